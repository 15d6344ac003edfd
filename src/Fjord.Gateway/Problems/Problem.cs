using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Problems;

/// <summary>Writes <c>application/problem+json</c> answers.</summary>
internal static class Problem
{
    public const string ContentType = "application/problem+json";

    public static Task WriteAsync(HttpContext context, ProblemType type, string detail) =>
        WriteAsync(context, new ProblemBody { Type = type.Uri, Title = type.Title, Status = type.Status, Detail = detail });

    public static Task WriteAsync(HttpContext context, ProblemBody body)
    {
        var response = context.Response;
        if (response.HasStarted)
            return Task.CompletedTask;
        response.StatusCode = body.Status;
        // A 413 leaves the rest of the body unread, so Kestrel drops the connection after the
        // answer; saying so keeps clients from reusing it for their next request (which would
        // then fail with a reset instead of being sent).
        if (body.Status == StatusCodes.Status413PayloadTooLarge)
            response.Headers.Connection = "close";
        return response.WriteJsonAsync(body, GatewayJsonContext.Default.ProblemBody, ContentType, context.RequestAborted);
    }

    /// <summary>A 429/503-style refusal: the <c>Retry-After</c> header and <c>retryAfterSeconds</c> in the body agree.</summary>
    public static Task WriteRetryAfterAsync(HttpContext context, ProblemType type, string detail, int seconds)
    {
        context.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, new ProblemBody { Type = type.Uri, Title = type.Title, Status = type.Status, Detail = detail, RetryAfterSeconds = seconds });
    }

    public static ProblemBody Body(ProblemType type, string detail) =>
        new() { Type = type.Uri, Title = type.Title, Status = type.Status, Detail = detail };
}
