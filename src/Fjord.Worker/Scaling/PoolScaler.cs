using System.Collections.Concurrent;
using Fjord.Core.Functions;
using Fjord.Core.Queue;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker.Scaling;

/// <summary>
/// The node's scaling loop. Every <see cref="WorkerOptions.ScaleInterval"/> (once a second while
/// every elastic pool is at zero, and at once when the queue says a pool at zero got work) it reads each pool's own figures (busy, peak, run times:
/// counters the slots keep), asks the backlog source about the elastic pools (one capped,
/// indexed look each; a pool at zero only when work was announced, or once a second), lets each pool's <see cref="ScalingPolicy"/> decide, shares the
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
    private TimeSpan _nextWait;

    public PoolScaler(Func<IReadOnlyList<FunctionPool>> pools, WorkerOptions options, ILogger logger)
    {
        _pools = pools;
        _options = options;
        _logger = logger;
        _nextWait = options.ScaleInterval;
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
                await _nudge.WaitAsync(_nextWait, stop);
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
            else
            {
                // One indexed look per elastic pool and tick (capped count, head of the due
                // index), not per job. A slot waiting in its fetch is no proof that nothing is
                // ready: under load the fetch itself takes a while.
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
            claims.Add(new PoolClaim(pool.Spec.Name, pool.Spec.MinConcurrency, decisions[i].Desired, pool.Spec.MemoryBytes, b.OldestAge) { Current = pool.Target });
        }

        var grants = _options.MaxProcesses is null && _options.MaxMemoryBytes is null
            ? null
            : Allocation.Share(claims, _options.MaxProcesses, _options.MaxMemoryBytes);
        var targets = new int[pools.Count];
        for (var i = 0; i < pools.Count; i++)
            targets[i] = grants is null ? decisions[i].Desired : Math.Min(decisions[i].Desired, grants[pools[i].Spec.Name]);
        if (grants is not null)
            HoldToLimits(pools, targets);

        // Shrinks first, so what they free is counted before anything grows into it.
        foreach (var i in Enumerable.Range(0, pools.Count).OrderBy(i => targets[i] - pools[i].Target))
        {
            var pool = pools[i];
            var desired = decisions[i].Desired;
            var target = targets[i];
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
        _nextWait = NextWait(pools, now);
    }

    /// <summary>
    /// While every elastic pool is at zero and wants nothing, there is nothing to decide until work
    /// is announced (which nudges the loop at once) or a pool's once-a-second look is due: the loop
    /// sleeps until then instead of ticking every ScaleInterval, so an idle node makes about one
    /// look a second, not ten (less CPU, and less garbage and JIT work sitting in its RSS).
    /// </summary>
    private TimeSpan NextWait(IReadOnlyList<FunctionPool> pools, DateTimeOffset now)
    {
        var wait = ZeroPoolLook;
        foreach (var pool in pools)
        {
            if (!pool.Spec.Elastic)
                continue;
            if (pool.Live > 0 || pool.Target > 0 || pool.Held > 0 || pool.Policy.Current.Desired > 0)
                return _options.ScaleInterval;
            // A timer may wake a hair early: a millisecond more, so the look is due when it does.
            if (_lastLook.TryGetValue(pool.Spec.Name, out var last) && last + ZeroPoolLook - now + TimeSpan.FromMilliseconds(1) is var due && due < wait)
                wait = due;
        }
        return wait < _options.ScaleInterval ? _options.ScaleInterval : wait;
    }

    /// <summary>
    /// A pool may only grow into processes that are actually free: a slot retiring from another
    /// pool still holds its process until its job ends, so growth waits for that (the node's
    /// limits hold at every moment, not only on average).
    /// </summary>
    private void HoldToLimits(IReadOnlyList<FunctionPool> pools, int[] targets)
    {
        long processes = 0, memory = 0;
        for (var i = 0; i < pools.Count; i++)
        {
            var held = Math.Max(pools[i].Held, Math.Min(targets[i], pools[i].Target));
            processes += held;
            memory += held * pools[i].Spec.MemoryBytes;
        }
        for (var i = 0; i < pools.Count; i++)
        {
            var pool = pools[i];
            var current = Math.Max(pool.Held, Math.Min(targets[i], pool.Target));
            if (targets[i] <= pool.Target || targets[i] <= current)
                continue;
            var room = targets[i] - current;
            if (_options.MaxProcesses is { } maxProcesses)
                room = (int)Math.Min(room, Math.Max(0, maxProcesses - processes));
            if (_options.MaxMemoryBytes is { } maxMemory)
                room = (int)Math.Min(room, Math.Max(0, (maxMemory - memory) / Math.Max(1, pool.Spec.MemoryBytes)));
            targets[i] = Math.Max(pool.Target, current + room);
            processes += room;
            memory += room * pool.Spec.MemoryBytes;
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
