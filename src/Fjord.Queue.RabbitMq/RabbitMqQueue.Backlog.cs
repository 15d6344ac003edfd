using Fjord.Core.Queue;
using RabbitMQ.Client;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// The broker's side of elastic pools: a passive declare of a function's queue answers how many
/// messages wait in it (not counting those delivered to a node and unacked), one round trip per
/// function asked, on one channel kept for it. The broker cannot say how old the head message
/// is; the pool's own slots supply that (the wait of the job they last took).
/// </summary>
public sealed partial class RabbitMqQueue : IBacklogSource
{
    private readonly SemaphoreSlim _inspectGate = new(1, 1);
    private IChannel? _inspect;

    public async Task<IReadOnlyDictionary<string, Backlog>> GetBacklogAsync(IReadOnlyCollection<string> functions, int cap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var result = new Dictionary<string, Backlog>(functions.Count, StringComparer.Ordinal);
        if (functions.Count == 0 || !_broker.IsOpen)
            return result;
        await _inspectGate.WaitAsync(cancellationToken);
        try
        {
            foreach (var function in functions)
            {
                await _broker.EnsureQueueAsync(function, cancellationToken);
                if (_inspect is not { IsOpen: true })
                {
                    var connection = await _broker.GetConnectionAsync(cancellationToken);
                    using var opening = _broker.Timeout(cancellationToken);
                    _inspect = await connection.CreateChannelAsync(cancellationToken: opening.Token);
                }
                using var timeout = _broker.Timeout(cancellationToken);
                var ok = await _inspect.QueueDeclarePassiveAsync(QueueNames.For(function), timeout.Token);
                result[function] = new Backlog(Math.Min(ok.MessageCount, (uint)Math.Max(1, cap)), TimeSpan.Zero);
            }
        }
        finally
        {
            _inspectGate.Release();
        }
        return result;
    }

    /// <summary>The broker pushes deliveries only to subscribed nodes: a pool at zero is looked up by the scaler's regular look instead.</summary>
    public void ListenForWork(Action<string> listener)
    {
    }
}
