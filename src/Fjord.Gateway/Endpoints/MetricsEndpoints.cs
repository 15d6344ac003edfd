using Fjord.Gateway.Auth;
using Fjord.Gateway.Metrics;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary><c>GET /metrics</c>: Prometheus text from the gateway's own registry. Metrics span every function, so the key must cover every namespace.</summary>
internal sealed class MetricsEndpoints(GatewayMetrics metrics)
{
    public async Task ScrapeAsync(HttpContext context)
    {
        if (Access.DenyUnlessAllNamespaces(context, Scope.Read) is { } denied)
        {
            await denied;
            return;
        }
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await metrics.Registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted);
    }
}
