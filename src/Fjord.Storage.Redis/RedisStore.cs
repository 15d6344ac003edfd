using System.Collections.Concurrent;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// Fjord's cluster on one Redis server: jobs, leases, records, functions, bundles, keys,
/// secrets, schedules, callbacks and counters, with no other server beside it. Every change of a
/// job's state is one Lua script (<see cref="JobScripts"/>); Redis runs scripts one at a time, so
/// each is atomic across every node. Intake's 202 waits for the script's reply, which Redis sends
/// only after the AOF write is fsynced when <c>appendfsync always</c> is set, and the store
/// refuses to start otherwise (<see cref="ServerCheck"/>). Every node opens it with the same URI.
/// </summary>
public sealed partial class RedisStore : IReadinessSource, IAsyncDisposable
{
    private readonly ConnectionMultiplexer _redis;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<string, WorkSignal> _work = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, List<TaskCompletionSource>> _ends = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, RedisLease> _leases = new(StringComparer.Ordinal);
    private readonly List<Action<string>> _workListeners = [];
    private readonly Task _reaper;
    private readonly Coalescer<IReadOnlyList<NewJob>, RedisResult[]> _enqueues;
    private readonly Coalescer<RedisValue[], RedisResult> _cycle;
    private readonly Lock _subscribing = new();
    private Task? _workChannels;
    private Task? _endChannel;
    private int _disposed;

    private RedisStore(RedisStoreOptions options, ConnectionMultiplexer redis, ILogger logger)
    {
        Options = options;
        _redis = redis;
        _logger = logger;
        P = options.Prefix;
        // One call in flight each: Redis runs scripts one at a time and fsyncs once per event-loop
        // turn, so a second call in flight would only split the batch (more fsyncs, more
        // script overhead per job). A worker's slot's completion and its next claim, which follow
        // each other by microseconds, are gathered into one call.
        _enqueues = new Coalescer<IReadOnlyList<NewJob>, RedisResult[]>(EnqueueBatchAsync, maxInFlight: 1, maxBatch: 64);
        // A worker's batch also waits for its short jobs still running (RedisStore.Hold.cs).
        _holdTicks = (long)(options.CompletionHold.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        _cycle = new Coalescer<RedisValue[], RedisResult>(CycleBatchAsync, maxInFlight: 1, maxBatch: 256, gather: true,
            holdWhile: _holdTicks > 0 ? ShortJobsRunning : null, maxHold: options.CompletionHold);
        _reaper = Task.Run(ReapLoopAsync);
    }

    public RedisStoreOptions Options { get; }

    /// <summary>What the start check waived (--redis-unsafe-durability): shown in every node report, not only logged once.</summary>
    public IReadOnlyList<string> StartWarnings { get; private init; } = [];

    /// <summary>The key prefix, ARGV[1] of every script.</summary>
    internal string P { get; }

    internal IDatabase Db => _redis.GetDatabase();

    internal long LeaseMs => (long)Options.LeaseDuration.TotalMilliseconds;

    /// <summary>Connects and checks that the server keeps what it acknowledges (or refuses); channels are subscribed when first listened to.</summary>
    public static async Task<RedisStore> OpenAsync(RedisStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RedisStore>();
        var config = RedisUri.Parse(options.ConnectionString, options.TlsCaFile);
        ConnectionMultiplexer? redis = null;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(config);
            await redis.GetDatabase().PingAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            if (redis is not null)
                await redis.DisposeAsync();
            if (await RedisUri.TlsRefusalAsync(options.ConnectionString, options.TlsCaFile, TimeSpan.FromSeconds(5)) is { } refusal)
                throw new StoreUnavailableException($"Redis refused over TLS: {refusal}; with a private CA set FJORD_REDIS_CA to its PEM file", ex);
            throw new StoreUnavailableException($"Redis does not answer: {ex.Message}", ex);
        }
        ConnectionMultiplexer? intake = null;
        try
        {
            var waived = await ServerCheck.RequireAsync(redis.GetDatabase(), options.AllowUnsafeDurability, logger);
            intake = await ConnectIntakeAsync(options, config, redis);
            return new RedisStore(options, redis, logger) { _intake = intake, StartWarnings = waived };
        }
        catch
        {
            if (intake is not null)
                await intake.DisposeAsync();
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Work, ends and cancels are told through pub/sub, each channel subscribed only by a node
    /// that listens (work and cancel: a worker, at its first fetch; end: a node that waits for a
    /// job's end), so a gateway is not sent every job's notices. A notice can be lost (a
    /// reconnect), so each has a slower fallback: fetchers look again within a second, end
    /// waiters re-read every two, and a canceled lease's next renewal is refused.
    /// </summary>
    private Task WorkChannelsAsync() => Subscribed(ref _workChannels, async sub =>
    {
        await sub.SubscribeAsync(RedisChannel.Literal(P + "work"), (_, fn) =>
        {
            var name = (string)fn!;
            if (_work.TryGetValue(name, out var signal))
                signal.Set();
            Action<string>[] listeners;
            lock (_workListeners)
                listeners = [.. _workListeners];
            foreach (var listener in listeners)
                listener(name);
        });
        await sub.SubscribeAsync(RedisChannel.Literal(P + "cancel"), (_, message) =>
        {
            var text = (string)message!;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && _leases.TryGetValue(text[..space], out var lease) && lease.Job.LeaseToken.ToString(System.Globalization.CultureInfo.InvariantCulture) == text[(space + 1)..])
                lease.TellCanceled();
        });
    });

    private Task EndChannelAsync() => Subscribed(ref _endChannel, sub =>
        sub.SubscribeAsync(RedisChannel.Literal(P + "end"), (_, id) =>
        {
            if (_ends.TryRemove((string)id!, out var waiters))
            {
                lock (waiters)
                {
                    foreach (var waiter in waiters)
                        waiter.TrySetResult();
                }
            }
        }));

    /// <summary>The subscription in <paramref name="slot"/>, started once; started again after a failure.</summary>
    private Task Subscribed(ref Task? slot, Func<ISubscriber, Task> subscribe)
    {
        lock (_subscribing)
        {
            if (slot is null || slot.IsFaulted || slot.IsCanceled)
            {
                slot = subscribe(_redis.GetSubscriber());
                // Observed here: a caller that does not await it (ListenForWork) must not leave it unobserved.
                slot.ContinueWith(t => RedisStoreLog.SubscribeFailed(_logger, t.Exception!.GetBaseException().Message), CancellationToken.None,
                    TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }
            return slot;
        }
    }

    internal WorkSignal Signal(string function) => _work.GetOrAdd(function, _ => new WorkSignal());

    internal void Track(RedisLease lease)
    {
        _leases[lease.Job.Id] = lease;
        Interlocked.Decrement(ref _claimedNotTracked);
    }

    internal void Untrack(RedisLease lease) => _leases.TryRemove(new KeyValuePair<string, RedisLease>(lease.Job.Id, lease));

    internal Task EndOf(string id)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var list = _ends.GetOrAdd(id, _ => []);
        lock (list)
            list.Add(waiter);
        // A list removed by a notice between GetOrAdd and Add: the caller's read decides.
        return waiter.Task;
    }

    public string Name => "store";

    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Db.PingAsync().WaitAsync(TimeSpan.FromSeconds(3), cancellationToken);
            return new Readiness(true, "redis");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new Readiness(false, $"redis does not answer: {ex.Message}");
        }
    }

    /// <summary>Runs a script, mapping a dead, full or refusing server to <see cref="StoreUnavailableException"/> (503).</summary>
    internal Task<RedisResult> RunAsync(RedisScript script, params RedisValue[] args) => RunAsync(Db, script, args);

    internal async Task<RedisResult> RunAsync(IDatabase db, RedisScript script, RedisValue[] args)
    {
        try
        {
            return await script.RunAsync(db, [P, .. args]);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StoreUnavailableException($"Redis could not confirm the write: {ex.Message}", ex);
        }
    }

    internal static async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StoreUnavailableException($"Redis could not confirm the write: {ex.Message}", ex);
        }
    }

    /// <summary>Takes back running jobs whose lease ran out (on the server's clock), counted as lost attempts.</summary>
    private async Task ReapLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Options.ReapInterval, _stopping.Token);
                await ReapExpiredAsync();
            }
            catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is StoreUnavailableException or RedisException)
            {
                RedisStoreLog.ReapFailed(_logger, ex.Message);
            }
        }
    }

    /// <summary>Takes back every running job whose lease ran out; returns how many.</summary>
    public async Task<long> ReapExpiredAsync()
    {
        long total = 0;
        while (true)
        {
            var n = (long)await RunAsync(JobScripts.Reap, 200, TakeBackReasons.LeaseExpired);
            total += n;
            if (n < 200)
                return total;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _stopping.CancelAsync();
        try
        {
            await _reaper;
        }
        catch (OperationCanceledException)
        {
        }
        if (_intake is not null)
            await _intake.DisposeAsync();
        await _redis.DisposeAsync();
        _stopping.Dispose();
    }
}

/// <summary>Wakes the fetchers of one function when work arrives (enqueue, retry, release, resume).</summary>
internal sealed class WorkSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Next => Volatile.Read(ref _next).Task;

    public void Set() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}

internal static partial class RedisStoreLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Could not take back expired leases: {Reason}")]
    public static partial void ReapFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void Unsafe(ILogger logger, string warning);

    [LoggerMessage(EventId = 3, Level = LogLevel.Warning, Message = "Could not subscribe to the store's notices (fetchers look again every second): {Reason}")]
    public static partial void SubscribeFailed(ILogger logger, string reason);
}
