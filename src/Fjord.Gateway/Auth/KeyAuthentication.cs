using Fjord.Gateway.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Auth;

/// <summary>
/// Requires <c>Authorization: Bearer &lt;key&gt;</c> on every path but the two probes, and attaches
/// the key's <see cref="KeyGrant"/> to the request; endpoints then check scope and namespace
/// with <see cref="Access"/>. Unmatched paths are refused too, so an unauthenticated caller
/// learns nothing about which routes exist.
/// </summary>
internal sealed class KeyAuthentication(KeyCache keys, ILogger<KeyAuthentication> logger)
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

        var secret = BearerSecret(context.Request.Headers.Authorization.ToString());
        if (secret is null)
        {
            await RefuseAsync(context, "missing or malformed Authorization: Bearer header");
            return;
        }
        var grant = await keys.FindAsync(secret, context.RequestAborted);
        if (grant is null)
        {
            await RefuseAsync(context, "the API key is not known (or was revoked)");
            return;
        }
        context.Features.Set(grant);
        await next(context);
    }

    private static string? BearerSecret(string header)
    {
        const string Scheme = "Bearer ";
        if (header.Length <= Scheme.Length || header.Length > Scheme.Length + MaxSecretLength
            || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
            return null;
        var secret = header.AsSpan(Scheme.Length).Trim();
        return secret.IsEmpty ? null : secret.ToString();
    }

    private Task RefuseAsync(HttpContext context, string reason)
    {
        GatewayLog.AuthRefused(logger, context.Request.Path.Value ?? "", reason);
        context.Response.Headers.WWWAuthenticate = "Bearer";
        return Problem.WriteAsync(context, ProblemType.Unauthorized, reason);
    }
}
