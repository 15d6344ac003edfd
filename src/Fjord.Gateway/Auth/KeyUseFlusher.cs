using Fjord.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Auth;

/// <summary>
/// Writes keys' <c>lastUsedAt</c> off the request path: requests only stamp the key's
/// <see cref="KeyState"/> in memory, and this writes every key used since the last flush in one
/// store write per <see cref="GatewayOptions.KeyUseFlushInterval"/> (a minute), and once more at stop.
/// </summary>
internal sealed class KeyUseFlusher(IKeyStore store, KeyStates states, GatewayOptions options, ILogger<KeyUseFlusher> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.KeyUseFlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                await FlushAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    internal async Task FlushAsync(CancellationToken cancellationToken)
    {
        var uses = new List<KeyUse>();
        var taken = new List<(KeyState State, DateTimeOffset At)>();
        foreach (var state in states.All)
        {
            if (state.TakeUnflushedUse() is { } at)
            {
                uses.Add(new KeyUse(state.Id, at));
                taken.Add((state, at));
            }
        }
        if (uses.Count == 0)
            return;
        try
        {
            await store.RecordKeyUseAsync(uses, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            GatewayLog.KeyUseNotRecorded(logger, uses.Count, e);
            foreach (var (state, at) in taken)
                state.ReturnUse(at);
        }
    }
}
