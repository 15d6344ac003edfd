using System.Collections.Concurrent;
using Fjord.Core.Functions;
using Fjord.Core.Queue;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker.Scaling;

/// <summary>
/// The node's scaling loop. Every <see cref="WorkerOptions.ScaleInterval"/> (and at once when the
/// queue says a pool at zero got work) it reads each pool's own figures (busy, peak, run times:
/// counters the slots keep), asks the backlog source about the pools that could be short (every
/// slot busy, or none at all), lets each pool's <see cref="ScalingPolicy"/> decide, shares the
/// node's limits among them (<see cref="Allocation"/>) and resizes the pools. Nothing here runs
/// per job: the slots' fetch path is the same as without it.
/// </summary>
internal sealed partial class PoolScaler : IAsyncDisposable
{
    /// <summary>A pool at zero is also looked up this often, for work the listener does not announce (a delayed job coming due).</summary>
    private static readonly TimeSpan ZeroPoolLook = TimeSpan.FromSeconds(1);

    private readonly Func<IReadOnlyList<FunctionPool>> _pools;
    private readonly WorkerOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<string, byte> _announced = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastLook = new(StringComparer.Ordinal);
    private Task _loop = Task.CompletedTask;

    public PoolScaler(Func<IReadOnlyList<FunctionPool>> pools, WorkerOptions options, ILogger logger)
    {
        _pools = pools;
        _options = options;
        _logger = logger;
    }

    public void Start()
    {
        _options.Backlog?.ListenForWork(Announce);
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>Look now (a pool was added or replaced).</summary>
    public void Nudge()
    {
        if (_nudge.CurrentCount == 0)
        {
            try
            {
                _nudge.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    /// <summary>On the queue's thread, after a commit: only a flag and a signal.</summary>
    private void Announce(string function)
    {
        if (_announced.TryAdd(function, 0))
            Nudge();
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _nudge.WaitAsync(_options.ScaleInterval, stop);
                await TickAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogTickFailed(_logger, ex);
                await Task.Delay(_options.ScaleInterval, _options.Time, stop);
            }
        }
    }

    /// <summary>One look at every pool (tests call it directly).</summary>
    public async Task TickAsync(CancellationToken cancellationToken)
    {
        // The loop and a reconcile may both look; the policies are not for two at once.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await LookAsync(cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task LookAsync(CancellationToken cancellationToken)
    {
        var pools = _pools();
        var now = _options.Time.GetUtcNow();
        var ask = new List<string>();
        foreach (var pool in pools)
        {
            if (!pool.Spec.Elastic)
                continue;
            var name = pool.Spec.Name;
            var live = pool.Live;
            var announced = _announced.TryRemove(name, out _);
            if (live == 0)
            {
                // A pool at zero is asked when the queue announced work, and once a second anyway.
                if (announced || !_lastLook.TryGetValue(name, out var last) || now - last >= ZeroPoolLook)
                {
                    _lastLook[name] = now;
                    ask.Add(name);
                }
            }
            else if (pool.Status.Busy >= live)
            {
                ask.Add(name);
            }
        }

        IReadOnlyDictionary<string, Backlog> backlog = ask.Count > 0 && _options.Backlog is { } source
            ? await source.GetBacklogAsync(ask, FunctionSpec.MaxPoolSize, cancellationToken)
            : new Dictionary<string, Backlog>();

        var claims = new List<PoolClaim>(pools.Count);
        var decisions = new ScalingDecision[pools.Count];
        for (var i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            // The slots' own figure (the wait of the job they last took) fills in an age the source cannot give (the broker).
            var local = pool.LocalBacklog();
            var b = _options.Backlog is null ? local : backlog.GetValueOrDefault(pool.Spec.Name, Backlog.None);
            if (b.Ready > 0 && local.OldestAge > b.OldestAge)
                b = b with { OldestAge = local.OldestAge };
            decisions[i] = pool.Policy.Decide(pool.TakeSignals(b), now);
            claims.Add(new PoolClaim(pool.Spec.Name, pool.Spec.MinConcurrency, decisions[i].Desired, pool.Spec.MemoryBytes, b.OldestAge));
        }

        var grants = _options.MaxProcesses is null && _options.MaxMemoryBytes is null
            ? null
            : Allocation.Share(claims, _options.MaxProcesses, _options.MaxMemoryBytes);
        for (var i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            var desired = decisions[i].Desired;
            var target = grants is null ? desired : Math.Min(desired, grants[pool.Spec.Name]);
            var before = pool.Target;
            if (target != before)
            {
                pool.SetTarget(target);
                if (target < desired)
                    LogScaledCapped(_logger, pool.Spec.Name, before, target, desired, decisions[i].Reason);
                else
                    LogScaled(_logger, pool.Spec.Name, before, target, decisions[i].Reason);
            }
            _options.Metrics?.Pool(pool.Spec.Name, pool.Live, desired, target - before);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _nudge.Dispose();
        _gate.Dispose();
    }

    [LoggerMessage(EventId = 140, Level = LogLevel.Information, Message = "Pool {Function} scaled {From} → {To}: {Reason}")]
    private static partial void LogScaled(ILogger logger, string function, int from, int to, string reason);

    [LoggerMessage(EventId = 141, Level = LogLevel.Information, Message = "Pool {Function} scaled {From} → {To} (wants {Desired}; the node's --max-processes/--max-memory are shared): {Reason}")]
    private static partial void LogScaledCapped(ILogger logger, string function, int from, int to, int desired, string reason);

    [LoggerMessage(EventId = 142, Level = LogLevel.Error, Message = "A scaling look at the pools failed; the next one tries again")]
    private static partial void LogTickFailed(ILogger logger, Exception exception);
}
