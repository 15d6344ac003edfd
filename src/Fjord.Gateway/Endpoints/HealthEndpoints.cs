using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>/healthz</c> says the process answers; <c>/readyz</c> asks every <see cref="IReadinessSource"/>
/// (store, broker, sandbox) and is 503 when any is not ready. Each check gets a deadline so a
/// hung store makes the node unready instead of hanging the probe. Both answer without a key (load
/// balancers and orchestrators probe them), so without one <c>/readyz</c> says only ready or not:
/// the checks name the store's path, broker errors and the sandbox's gaps, which are for the
/// operator. A key with <c>read</c> on every namespace (<c>*</c>, as for <c>/metrics</c>) sees them.
/// </summary>
internal sealed class HealthEndpoints(IEnumerable<IReadinessSource> sources, KeyCache keys, TimeProvider time, ILogger<HealthEndpoints> logger)
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);
    private readonly IReadinessSource[] _sources = [.. sources];

    public static Task LiveAsync(HttpContext context)
    {
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("ok", context.RequestAborted);
    }

    public async Task ReadyAsync(HttpContext context)
    {
        var checks = new CheckView[_sources.Length];
        var tasks = new Task<Readiness>[_sources.Length];
        using var deadline = new CancellationTokenSource(CheckTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, context.RequestAborted);
        for (var i = 0; i < _sources.Length; i++)
            tasks[i] = CheckAsync(_sources[i], linked.Token);
        var ready = true;
        for (var i = 0; i < _sources.Length; i++)
        {
            var r = await tasks[i];
            ready &= r.Ready;
            checks[i] = new CheckView { Name = _sources[i].Name, Ready = r.Ready, Detail = r.Detail, Warning = r.Warning };
        }
        context.Response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        var view = new ReadyView { Ready = ready, Checks = await MaySeeChecksAsync(context) ? checks : null };
        await context.Response.WriteJsonAsync(view, GatewayJsonContext.Default.ReadyView, cancellationToken: context.RequestAborted);
    }

    /// <summary>True when the request carries a known key with <c>read</c> on every namespace; a bad or missing key is not an error here.</summary>
    private async Task<bool> MaySeeChecksAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (!KeyAuthentication.TryBearerSecret(header, out var start, out var length))
            return false;
        var grant = await keys.FindAsync(header.AsSpan(start, length), context.RequestAborted);
        return grant is not null && grant.Allows(Scope.Read) && grant.AllNamespaces && time.GetUtcNow().UtcTicks < grant.ExpiresAtTicks;
    }

    private async Task<Readiness> CheckAsync(IReadinessSource source, CancellationToken cancellationToken)
    {
        try
        {
            return await source.CheckAsync(cancellationToken).WaitAsync(cancellationToken);
        }
        catch (OperationCanceledException e)
        {
            GatewayLog.ReadinessFailed(logger, source.Name, e);
            return new Readiness(false, "no answer within " + CheckTimeout.TotalSeconds + "s");
        }
        catch (Exception e)
        {
            GatewayLog.ReadinessFailed(logger, source.Name, e);
            return new Readiness(false, e.Message);
        }
    }
}
