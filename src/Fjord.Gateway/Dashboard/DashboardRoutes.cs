using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// The dashboard's one route table: every page, command and asset URL is listed here, and
/// <see cref="Owns"/> decides which requests the cookie session (not the bearer key) authenticates.
/// </summary>
internal static partial class DashboardRoutes
{
    public const string Overview = "/";
    public const string Login = "/login";
    public const string Logout = "/logout";
    public const string Stats = "/dashboard/stats";
    public const string Assets = "/dashboard/assets";
    public const string Functions = "/functions";
    public const string Schedules = "/schedules";
    public const string Jobs = "/jobs";
    public const string JobsData = "/dashboard/jobs";

    /// <summary>Paths the dashboard answers (cookie session), as opposed to the API (bearer key).</summary>
    public static bool Owns(PathString path) =>
        path == Overview || path == Login || path == Logout || path.StartsWithSegments("/dashboard") || path.StartsWithSegments(Functions)
        || path.StartsWithSegments(Schedules)
        || path.StartsWithSegments(Jobs) || OwnsOps(path);

    /// <summary>Reachable signed out: the login form and the static assets it needs.</summary>
    public static bool IsAnonymous(PathString path) => path == Login || path.StartsWithSegments(Assets);

    /// <summary>Machine-read paths answer 401 when signed out; pages redirect to the login form.</summary>
    public static bool IsData(PathString path) => path.StartsWithSegments(Stats) || path.StartsWithSegments(JobsData);

    public static void Map(WebApplication app)
    {
        var sp = app.Services;
        var login = sp.GetRequiredService<LoginPage>();
        var overview = sp.GetRequiredService<OverviewPage>();
        var assets = sp.GetRequiredService<DashboardAssets>();
        var functions = sp.GetRequiredService<FunctionsPage>();

        app.MapGet(Login, (RequestDelegate)login.GetAsync);
        app.MapPost(Login, (RequestDelegate)login.PostAsync);
        app.MapPost(Logout, (RequestDelegate)login.LogoutAsync);
        app.MapGet(Overview, (RequestDelegate)overview.GetAsync);
        app.MapGet(Stats, (RequestDelegate)overview.StatsAsync);
        app.MapGet(Assets + "/{file}", (RequestDelegate)assets.GetAsync);
        app.MapGet(Functions, (RequestDelegate)functions.ListAsync);
        app.MapGet(Functions + "/{name}", (RequestDelegate)functions.GetAsync);
        app.MapPost(Functions + "/{name}/pause", (RequestDelegate)functions.PauseAsync);
        app.MapPost(Functions + "/{name}/resume", (RequestDelegate)functions.ResumeAsync);

        var schedules = sp.GetRequiredService<SchedulesPage>();
        app.MapGet(Schedules, (RequestDelegate)schedules.ListAsync);
        app.MapPost(Schedules + "/{name}/{schedule}/trigger", (RequestDelegate)schedules.TriggerAsync);
        app.MapPost(Schedules + "/{name}/{schedule}/pause", (RequestDelegate)schedules.PauseAsync);
        app.MapPost(Schedules + "/{name}/{schedule}/resume", (RequestDelegate)schedules.ResumeAsync);

        MapOps(app);
        MapJobs(app);
    }

    private static void MapJobs(WebApplication app)
    {
        var list = app.Services.GetRequiredService<JobsPage>();
        var job = app.Services.GetRequiredService<JobDetailPage>();
        app.MapGet(Jobs, (RequestDelegate)list.ListAsync);
        app.MapGet(JobsData, (RequestDelegate)list.DataAsync);
        app.MapGet(Jobs + "/{id}", (RequestDelegate)job.GetAsync);
        app.MapGet(JobsData + "/{id}", (RequestDelegate)job.StateAsync);
        app.MapGet(Jobs + "/{id}/{body}/image", (RequestDelegate)job.ImageAsync);
        app.MapPost(Jobs + "/{id}/retry", (RequestDelegate)job.RetryAsync);
        app.MapPost(Jobs + "/{id}/cancel", (RequestDelegate)job.CancelAsync);
    }
}
