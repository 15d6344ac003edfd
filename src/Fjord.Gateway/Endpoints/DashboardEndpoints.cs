using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary><c>GET /</c>: a placeholder until the dashboard assets land.</summary>
internal static class DashboardEndpoints
{
    private const string Page =
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Fjord</title></head>"
        + "<body><h1>Fjord</h1><p>The gateway is running. See <a href=\"/v1/queues\">/v1/queues</a> and "
        + "<a href=\"/metrics\">/metrics</a>.</p></body></html>";

    public static Task PageAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync(Page, context.RequestAborted);
    }
}
