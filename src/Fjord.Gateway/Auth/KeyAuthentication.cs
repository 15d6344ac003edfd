using System.Threading.RateLimiting;
using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Auth;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;key&gt;</c> on every path but the two probes, refuses
/// expired keys (401) and keys over their rate limit (429 with <c>Retry-After</c>, before the
/// endpoint runs, so nothing over the limit is stored), and attaches the key's
/// <see cref="KeyGrant"/> to the request; endpoints then check scope and namespace with
/// <see cref="Access"/>. Unmatched paths are refused too, so an unauthenticated caller learns
/// nothing about which routes exist.
/// </summary>
internal sealed class KeyAuthentication(KeyCache keys, KeyMetrics metrics, TimeProvider time, ILogger<KeyAuthentication> logger)
{
    private const int MaxSecretLength = 512;

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var path = context.Request.Path;
        if (path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase))
        {
            await next(context);
            return;
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (!TryBearerSecret(header, out var start, out var length))
        {
            await RefuseAsync(context, "missing or malformed Authorization: Bearer header");
            return;
        }
        var grant = await keys.FindAsync(header.AsSpan(start, length), context.RequestAborted);
        if (grant is null)
        {
            await RefuseAsync(context, "the API key is not known (or was revoked)");
            return;
        }
        var now = time.GetUtcNow().UtcTicks;
        if (now >= grant.ExpiresAtTicks)
        {
            await RefuseAsync(context, "the API key has expired");
            return;
        }
        grant.State.MarkUsed(now);
        if (grant.State.Limiter is { } limiter)
        {
            using var lease = limiter.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                await RateLimitedAsync(context, grant, lease);
                return;
            }
        }
        context.Features.Set(grant);
        await next(context);
    }

    internal static bool TryBearerSecret(string header, out int start, out int length)
    {
        const string Scheme = "Bearer ";
        start = Scheme.Length;
        length = 0;
        if (header.Length <= Scheme.Length || header.Length > Scheme.Length + MaxSecretLength
            || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return false;
        while (start < header.Length && header[start] == ' ')
            start++;
        var end = header.Length;
        while (end > start && header[end - 1] == ' ')
            end--;
        length = end - start;
        return length > 0;
    }

    private Task RefuseAsync(HttpContext context, string reason)
    {
        GatewayLog.AuthRefused(logger, context.Request.Path.Value ?? "", reason);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem.WriteAsync(context, ProblemType.Unauthorized, reason);
    }

    private Task RateLimitedAsync(HttpContext context, KeyGrant grant, RateLimitLease lease)
    {
        var wait = lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = RetryAfter.Seconds(wait);
        metrics.RateLimited(grant.Key.Id);
        GatewayLog.KeyRateLimited(logger, grant.Key.Id, context.Request.Path.Value ?? "");
        var limit = grant.State.Limit;
        return Problem.WriteRetryAfterAsync(context, ProblemType.RateLimited,
            $"the API key '{grant.Key.Id}' is over its rate limit ({limit?.PerSecond}/s, burst {limit?.Burst}); retry after {seconds}s", seconds);
    }
}
