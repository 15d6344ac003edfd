using Fjord.Gateway.Auth;
using Fjord.Gateway.Dashboard;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway;

public static class GatewayEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Adds the gateway's middleware (problem+json error boundary, path and body-size guard, bearer-key authentication) and
    /// every route of CONTRACT §4 and <c>/v1/keys</c> (§6). Handlers are plain <see cref="RequestDelegate"/>s
    /// on singletons: no per-request parameter binding or service resolution on the intake path.
    /// </summary>
    public static WebApplication MapFjordGateway(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var sp = app.Services;
        var errors = sp.GetRequiredService<ErrorBoundary>();
        var guard = sp.GetRequiredService<RequestGuard>();
        var auth = sp.GetRequiredService<KeyAuthentication>();
        var dashboard = sp.GetRequiredService<DashboardGate>();
        app.Use(next => context => errors.InvokeAsync(context, next));
        app.Use(next => context => guard.InvokeAsync(context, next));
        // The dashboard's paths are authenticated by session cookie and never reach the bearer-key check.
        app.Use(next => context => dashboard.InvokeAsync(context, next));
        app.Use(next => context => auth.InvokeAsync(context, next));

        var intake = sp.GetRequiredService<JobIntakeEndpoints>();
        var invoke = sp.GetRequiredService<InvokeEndpoints>();
        var functions = sp.GetRequiredService<FunctionEndpoints>();
        var bundles = sp.GetRequiredService<BundleEndpoints>();
        var jobs = sp.GetRequiredService<JobEndpoints>();
        var jobList = sp.GetRequiredService<JobListEndpoints>();
        var queues = sp.GetRequiredService<QueueEndpoints>();
        var health = sp.GetRequiredService<HealthEndpoints>();
        var metrics = sp.GetRequiredService<MetricsEndpoints>();
        var deadLetters = sp.GetRequiredService<DeadLetterEndpoints>();
        var secrets = sp.GetRequiredService<SecretEndpoints>();
        var nodes = sp.GetRequiredService<NodeEndpoints>();
        var keys = sp.GetRequiredService<KeyEndpoints>();
        var schedules = sp.GetRequiredService<ScheduleEndpoints>();
        var backup = sp.GetRequiredService<BackupEndpoints>();
        var images = sp.GetRequiredService<ImageEndpoints>();

        app.MapPost("/v1/functions/{name}/jobs", (RequestDelegate)intake.AcceptAsync);
        app.MapPost("/v1/functions/{name}/jobs:batch", (RequestDelegate)intake.AcceptBatchAsync);
        app.MapPost("/v1/functions/{name}/invoke", (RequestDelegate)invoke.InvokeAsync);

        app.MapGet("/v1/functions", (RequestDelegate)functions.ListAsync);
        app.MapGet("/v1/functions/{name}", (RequestDelegate)functions.GetAsync);
        app.MapPut("/v1/functions/{name}", (RequestDelegate)functions.PutAsync);
        app.MapDelete("/v1/functions/{name}", (RequestDelegate)functions.DeleteAsync);
        app.MapPost("/v1/functions/{name}/pause", (RequestDelegate)functions.PauseAsync);
        app.MapPost("/v1/functions/{name}/resume", (RequestDelegate)functions.ResumeAsync);
        app.MapPut("/v1/functions/{name}/bundle", (RequestDelegate)bundles.PutAsync);

        app.MapGet("/v1/jobs", (RequestDelegate)jobList.ListAsync);
        app.MapGet("/v1/jobs/{id}", (RequestDelegate)jobs.GetAsync);
        app.MapGet("/v1/jobs/{id}/result", (RequestDelegate)jobs.ResultAsync);
        app.MapGet("/v1/jobs/{id}/logs", (RequestDelegate)jobs.LogsAsync);
        app.MapPost("/v1/jobs/{id}/retry", (RequestDelegate)jobs.RetryAsync);
        app.MapPost("/v1/jobs/{id}/cancel", (RequestDelegate)jobs.CancelAsync);
        app.MapPost("/v1/jobs:retry", (RequestDelegate)deadLetters.RetryAsync);
        app.MapPost("/v1/jobs:purge", (RequestDelegate)deadLetters.PurgeAsync);
        app.MapPost("/v1/backup", (RequestDelegate)backup.PostAsync);

        app.MapGet("/v1/secrets", (RequestDelegate)secrets.ListAsync);
        app.MapPut("/v1/secrets/{name}", (RequestDelegate)secrets.PutAsync);
        app.MapDelete("/v1/secrets/{name}", (RequestDelegate)secrets.DeleteAsync);
        app.MapPost("/v1/keys", (RequestDelegate)keys.CreateAsync);
        app.MapGet("/v1/keys", (RequestDelegate)keys.ListAsync);
        app.MapGet("/v1/keys/{id}", (RequestDelegate)keys.GetAsync);
        app.MapDelete("/v1/keys/{id}", (RequestDelegate)keys.DeleteAsync);
        app.MapPost("/v1/keys:rotate", (RequestDelegate)keys.RotateAsync);

        app.MapGet("/v1/schedules", (RequestDelegate)schedules.ListAsync);
        app.MapPost("/v1/schedules/{name}/{schedule}/trigger", (RequestDelegate)schedules.TriggerAsync);
        app.MapPost("/v1/schedules/{name}/{schedule}/pause", (RequestDelegate)schedules.PauseAsync);
        app.MapPost("/v1/schedules/{name}/{schedule}/resume", (RequestDelegate)schedules.ResumeAsync);

        app.MapGet("/v1/images", (RequestDelegate)images.ListAsync);
        app.MapGet("/v1/images/{digest}", (RequestDelegate)images.GetAsync);
        app.MapPut("/v1/images/{digest}", (RequestDelegate)images.PutAsync);
        app.MapDelete("/v1/images/{digest}", (RequestDelegate)images.DeleteAsync);
        app.MapPost("/v1/images:prune", (RequestDelegate)images.PruneAsync);

        app.MapGet("/v1/queues", (RequestDelegate)queues.ListAsync);
        app.MapGet("/v1/nodes", (RequestDelegate)nodes.ListAsync);
        app.MapGet("/healthz", (RequestDelegate)HealthEndpoints.LiveAsync);
        app.MapGet("/readyz", (RequestDelegate)health.ReadyAsync);
        app.MapGet("/metrics", (RequestDelegate)metrics.ScrapeAsync);
        DashboardRoutes.Map(app);
        return app;
    }
}
