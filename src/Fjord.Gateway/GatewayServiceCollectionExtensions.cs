using Fjord.Core.Nodes;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Callbacks;
using Fjord.Gateway.Dashboard;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway;

public static class GatewayServiceCollectionExtensions
{
    /// <summary>
    /// Registers the gateway's services. The caller registers the store contracts (IJobQueue,
    /// IJobStore, IFunctionStore, IJobMonitor, IKeyStore, every IReadinessSource; IDeadLetters and
    /// ICallbackOutbox when the store offers them, else they are taken from the IJobStore when it
    /// implements them) and, when a worker runs in this process, IWorkerStatus; then calls <see cref="GatewayEndpointRouteBuilderExtensions.MapFjordGateway"/>.
    /// </summary>
    public static IServiceCollection AddFjordGateway(this IServiceCollection services, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<KeyStates>();
        services.AddSingleton<KeyCache>();
        services.AddSingleton<KeyMetrics>();
        services.AddSingleton<KeyEndpoints>();
        services.AddHostedService<KeyUseFlusher>();
        services.AddSingleton<FunctionCache>();
        services.AddSingleton(sp => new FunctionDeployer(
            sp.GetRequiredService<IFunctionStore>(), sp.GetRequiredService<FunctionCache>(), sp.GetRequiredService<ILogger<FunctionDeployer>>(),
            options.MaxBundleUnpackedBytes, SecretStore(sp))
        { Caps = options.Caps, Schedules = sp.GetRequiredService<IJobStore>() as IScheduleStore, Images = ImageStore(sp) });
        // Both stores keep images; a backend without them answers the image routes 501.
        services.AddSingleton(sp => new Images.ImageCatalog(
            ImageStore(sp), sp.GetRequiredService<IFunctionStore>(), options.MaxImageBytes, sp.GetRequiredService<ILogger<Images.ImageCatalog>>()));
        services.AddSingleton<ImageEndpoints>();
        // Both stores keep secrets; a backend without them answers the secret routes 501.
        services.AddSingleton(sp => new SecretEndpoints(
            SecretStore(sp) is { } secrets ? new Fjord.Core.Secrets.SecretVault(secrets, options.SecretsKey) : null,
            sp.GetRequiredService<ILogger<SecretEndpoints>>()));
        services.AddSingleton(sp => new FunctionViews(sp.GetService<IWorkerStatus>()));
        services.AddSingleton(sp => new GatewayMetrics(
            sp.GetRequiredService<IJobMonitor>(), sp.GetService<IWorkerStatus>(), NodesOf(sp), sp.GetService<Prometheus.CollectorRegistry>()));
        services.AddSingleton(sp => new LiveWorkers(NodesOf(sp), sp.GetService<IWorkerStatus>()));
        services.AddSingleton(sp => new NodeEndpoints(NodesOf(sp)));
        services.AddSingleton<KeyAuthentication>();
        services.AddSingleton<Problems.ErrorBoundary>();
        services.AddSingleton<Problems.RequestGuard>();
        services.AddSingleton(new CallbackTargets(options.Callbacks));
        services.AddSingleton<Intake.JobIntake>();
        services.AddSingleton<JobIntakeEndpoints>();
        services.AddSingleton<InvokeEndpoints>();
        services.AddSingleton<FunctionEndpoints>();
        services.AddSingleton<BundleEndpoints>();
        services.AddSingleton(sp => new JobLogs(sp.GetRequiredService<IJobStore>(), sp.GetService<Fjord.Core.Jobs.LiveLogs>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new JobEndpoints(
            sp.GetRequiredService<IJobStore>(), sp.GetRequiredService<JobLogs>(), sp.GetRequiredService<ILogger<JobEndpoints>>(), Retention(sp)));
        services.AddSingleton<JobListEndpoints>();
        services.AddSingleton<QueueEndpoints>();
        services.AddSingleton<HealthEndpoints>();
        services.AddSingleton<MetricsEndpoints>();
        services.AddFjordDashboard();
        // Queue triggers: a consumer per trigger of the deployed functions, feeding JobIntake.
        services.AddSingleton(sp => new Triggers.AmqpTriggerMetrics(sp.GetRequiredService<GatewayMetrics>()));
        services.AddHostedService(sp => new Triggers.AmqpTriggerHost(
            sp.GetRequiredService<IFunctionStore>(),
            sp.GetRequiredService<Intake.JobIntake>(),
            sp.GetRequiredService<FunctionCache>(),
            SecretStore(sp) is { } triggerSecrets ? new Fjord.Core.Secrets.SecretVault(triggerSecrets, options.SecretsKey) : null,
            sp.GetRequiredService<Triggers.AmqpTriggerMetrics>(),
            options.AmqpTriggers,
            sp.GetRequiredService<ILoggerFactory>()));

        services.AddSingleton(sp => new EndedJobPurge(Retention(sp), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<EndedJobPurge>>()));
        services.AddSingleton(sp => new BackupEndpoints(
            sp.GetService<IStoreBackup>() ?? sp.GetService<IJobStore>() as IStoreBackup, options, sp.GetRequiredService<ILogger<BackupEndpoints>>()));
        services.AddHostedService(sp => new Sweeping.RetentionSweeper(
            Retention(sp), sp.GetRequiredService<IFunctionStore>(), options, sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ILogger<Sweeping.RetentionSweeper>>()));
        services.AddSingleton(sp => new DeadLetterEndpoints(
            sp.GetService<IDeadLetters>() ?? sp.GetService<IJobStore>() as IDeadLetters,
            sp.GetRequiredService<EndedJobPurge>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DeadLetterEndpoints>>()));
        // The outbox is usually the job store itself (SQLite, PostgreSQL); a backend without one delivers no callbacks.
        services.AddHostedService(sp => new CallbackDispatcher(
            sp.GetService<ICallbackOutbox>() ?? sp.GetService<IJobStore>() as ICallbackOutbox,
            sp.GetRequiredService<IJobStore>(),
            sp.GetRequiredService<CallbackTargets>(),
            options,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<CallbackDispatcher>>()));
        AddSchedules(services);
        return services;
    }

    /// <summary>Every gateway runs the schedules (each fire time once however many gateways share the store).</summary>
    private static void AddSchedules(IServiceCollection services)
    {
        // Both stores keep schedule state; a test may register its own.
        services.TryAddSingleton<IScheduleStore>(sp => sp.GetRequiredService<IJobStore>() as IScheduleStore
            ?? throw new InvalidOperationException("the store keeps no schedule state"));
        services.AddSingleton<Schedules.IScheduleIntake, Schedules.ScheduleJobs>();
        services.AddSingleton<Schedules.ScheduleMetrics>();
        services.AddSingleton<Schedules.ScheduleBook>();
        services.AddSingleton<ScheduleEndpoints>();
        services.AddSingleton<Schedules.Scheduler>();
        services.AddHostedService(sp => sp.GetRequiredService<Schedules.Scheduler>());
    }

    /// <summary>Retention is usually the job store itself (SQLite, PostgreSQL).</summary>
    private static IJobRetention? Retention(IServiceProvider sp) =>
        sp.GetService<IJobRetention>() ?? sp.GetService<IJobStore>() as IJobRetention;

    private static IImageStore? ImageStore(IServiceProvider sp) =>
        sp.GetService<IImageStore>() ?? sp.GetService<IFunctionStore>() as IImageStore;

    private static ISecretStore? SecretStore(IServiceProvider sp) =>
        sp.GetService<ISecretStore>() ?? sp.GetService<IFunctionStore>() as ISecretStore;

    /// <summary>The heartbeats: registered on their own, or the job store when it keeps them (SQLite, PostgreSQL).</summary>
    private static INodeStore? NodesOf(IServiceProvider sp) => sp.GetService<INodeStore>() ?? sp.GetService<IJobStore>() as INodeStore;
}
