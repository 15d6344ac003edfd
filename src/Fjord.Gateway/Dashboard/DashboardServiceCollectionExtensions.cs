using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Dashboard;

internal static class DashboardServiceCollectionExtensions
{
    public static IServiceCollection AddFjordDashboard(this IServiceCollection services)
    {
        services.AddSingleton<DashboardSessions>();
        services.AddSingleton<DashboardGate>();
        services.AddSingleton<DashboardAssets>();
        services.AddSingleton<ThroughputHistory>();
        services.AddSingleton<LoginPage>();
        services.AddSingleton<OverviewPage>();
        services.AddSingleton<FunctionsPage>();
        services.AddSingleton<SchedulesPage>();
        services.AddSingleton<JobsPage>();
        services.AddSingleton<JobDetailPage>();
        services.AddSingleton<DeadLettersPage>();
        services.AddSingleton<NodesPage>();
        services.AddSingleton<KeysPage>();
        return services;
    }
}
