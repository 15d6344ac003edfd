using Fjord.Core.Storage;
using Fjord.Gateway.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// <c>/healthz</c> says the process answers; <c>/readyz</c> asks every <see cref="IReadinessSource"/>
/// (store, broker, sandbox) and is 503 when any is not ready. Each check gets a deadline so a
/// hung store makes the node unready instead of hanging the probe.
/// </summary>
internal sealed class HealthEndpoints(IEnumerable<IReadinessSource> sources, TimeProvider time, ILogger<HealthEndpoints> logger)
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
        await context.Response.WriteJsonAsync(new ReadyView { Ready = ready, Checks = checks }, GatewayJsonContext.Default.ReadyView, cancellationToken: context.RequestAborted);
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
