using Fjord.Core.Nodes;
using Fjord.Gateway.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace Fjord.Cli.Roles;

/// <summary>
/// `fjord worker --metrics-port N`: /metrics (this worker's latency histograms, ended jobs and its
/// own host figures) and /healthz, so Prometheus can scrape every worker of a cluster. Off unless
/// the port is given; it listens on 127.0.0.1 unless --metrics-host says otherwise, and serves no
/// job data, keys or payloads (docs/security.md).
/// </summary>
internal sealed class WorkerMetricsServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private WorkerMetricsServer(WebApplication app) => _app = app;

    public static async Task<WorkerMetricsServer> StartAsync(string host, int port, CollectorRegistry registry, NodeHeartbeat heartbeat, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var gauges = new NodeGauges(registry);
        registry.AddBeforeCollectCallback(() =>
        {
            if (heartbeat.Latest is { } report)
                gauges.Set([report]);
        });
        var builder = GatewayHost.NewBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggerFactory);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.Listen(System.Net.IPAddress.Parse(host), port);
            k.AddServerHeader = false;
        });
        var app = builder.Build();
        app.MapGet("/healthz", (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("ok", context.RequestAborted);
        });
        app.MapGet("/metrics", async (HttpContext context) =>
        {
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        return new WorkerMetricsServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
    }
}
