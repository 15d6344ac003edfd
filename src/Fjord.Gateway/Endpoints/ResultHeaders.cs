using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// Headers on everything a function wrote that the gateway serves as is (results, logs). A
/// function chooses its own content type, so its output could be an HTML page with scripts, served
/// from the gateway's origin: <c>nosniff</c> stops browsers guessing a type, and
/// <c>Content-Security-Policy: sandbox</c> makes a browser treat the page as a unique origin with
/// scripts, forms and plugins off, so it cannot act with the dashboard's cookies or read the API.
/// </summary>
internal static class ResultHeaders
{
    public static void Apply(HttpResponse response)
    {
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "sandbox";
    }
}
