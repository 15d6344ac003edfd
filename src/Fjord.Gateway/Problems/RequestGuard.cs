using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Fjord.Gateway.Problems;

/// <summary>
/// Runs before routing decides anything: sets the body limit of every route (the bundle route
/// raises its own), and refuses raw paths with dot segments. Kestrel resolves <c>/v1/functions/../jobs</c>
/// or <c>%2e%2e</c> into a different route, which would answer a confusing 405 or act on the wrong
/// resource; a path trick is answered 400, the same as any invalid name.
/// </summary>
internal sealed class RequestGuard(GatewayOptions options)
{
    public Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            limit.MaxRequestBodySize = options.MaxBodyBytes;
        var raw = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is not null && HasDotSegment(raw))
            return Problem.WriteAsync(context, ProblemType.InvalidName, "the path must not contain '.' or '..' segments");
        return next(context);
    }

    /// <summary>True when a segment of the path part of <paramref name="target"/> is <c>.</c> or <c>..</c>, plain or percent-encoded.</summary>
    internal static bool HasDotSegment(string target)
    {
        var end = target.IndexOf('?', StringComparison.Ordinal);
        var path = end < 0 ? target.AsSpan() : target.AsSpan(0, end);
        // Fast exit for the common case: no dot and no escape means no dot segment.
        if (path.IndexOfAny('.', '%') < 0)
            return false;
        while (!path.IsEmpty)
        {
            var slash = path.IndexOf('/');
            var segment = slash < 0 ? path : path[..slash];
            if (IsDots(segment))
                return true;
            path = slash < 0 ? [] : path[(slash + 1)..];
        }
        return false;
    }

    private static bool IsDots(ReadOnlySpan<char> segment)
    {
        var dots = 0;
        while (!segment.IsEmpty)
        {
            if (segment[0] == '.')
                segment = segment[1..];
            else if (segment.Length >= 3 && segment[0] == '%' && segment[1] == '2' && (segment[2] is 'e' or 'E'))
                segment = segment[3..];
            else
                return false;
            dots++;
        }
        return dots is 1 or 2;
    }
}
