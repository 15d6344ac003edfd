using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Runtime;
using Fjord.Worker.Scaling;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker;

/// <summary>
/// The processes of one function on this node (supervisord's numprocs): slots, each with its own
/// runner, as many as the scaler's target (<see cref="SetTarget"/>): a fixed pool's
/// <c>concurrency</c>, or an elastic pool's current size between min and max. A slot asks the
/// queue for a job only when it can start it at once: a warm slot first starts its process
/// (ahead of the first job), then fetches, so the node never holds a job it cannot start
/// (fair dispatch: prefetch = free slots). A warm process that dies while its slot waits for
/// work is replaced at once.
/// </summary>
internal sealed partial class FunctionPool : IAsyncDisposable
{
    private const int UnhealthyAfterCrashes = 3;
    private static readonly TimeSpan MaxCrashPause = TimeSpan.FromSeconds(30);

    // Retire has no timer, so it is left to the GC: SetTarget may still cancel a slot that just ended.
    private sealed class Slot
    {
        public CancellationTokenSource Retire { get; } = new();
        public Task Loop { get; set; } = Task.CompletedTask;
        public volatile bool Busy;
    }

    private readonly IJobQueue _queue;
    private readonly WorkerOptions _options;
    private readonly ILogger _logger;
    private readonly JobProcessor _processor;
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly List<Slot> _slots = [];
    private int _busy;
    private int _waiting;
    private int _peakBusy;
    private int _crashStreak;
    private long _ranJobs;
    private long _ranTicks;
    private long _lastWaitMs;

    public FunctionPool(FunctionSpec spec, string? folder, IJobQueue queue, WorkerOptions options, ILogger logger)
    {
        Spec = spec;
        Folder = folder;
        _queue = queue;
        _options = options;
        _logger = logger;
        _processor = new JobProcessor(options, logger);
        Policy = new ScalingPolicy(spec, options.Time.GetUtcNow());
    }

    public FunctionSpec Spec { get; }

    public string? Folder { get; }

    /// <summary>The function's image on this node, when it runs one (its runners get it instead of a folder).</summary>
    public Fjord.Core.Images.ImageRoot? Image { get; init; }

    /// <summary>This pool's scaling rule; only the scaler's loop calls it.</summary>
    public ScalingPolicy Policy { get; }

    /// <summary>The size last asked for by the scaler (desired, cut to the node's limits).</summary>
    public int Target { get; private set; }

    public PoolStatus Status
    {
        get
        {
            var streak = Volatile.Read(ref _crashStreak);
            var decision = Policy.Current;
            return new PoolStatus(
                Live,
                Volatile.Read(ref _busy),
                streak < UnhealthyAfterCrashes,
                streak < UnhealthyAfterCrashes ? null : $"{streak} crashes in a row; restarts are backing off")
            {
                Desired = decision.Desired,
                Reason = decision.Reason,
            };
        }
    }

    /// <summary>Slots not retiring: the pool's size.</summary>
    public int Live
    {
        get
        {
            lock (_slots)
                return _slots.Count(s => !s.Retire.IsCancellationRequested);
        }
    }

    /// <summary>Slots whose process may still be up: the live ones and retiring ones still finishing their job.</summary>
    public int Held
    {
        get
        {
            lock (_slots)
                return _slots.Count(s => !s.Loop.IsCompleted);
        }
    }

    /// <summary>Slots whose fetch is waiting for work now: while one is, the function has no ready backlog.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>
    /// The figures of the tick that ends now: the busy peak and the run times since the previous
    /// call are taken. A slot still starting its process counts as needed, not as idle.
    /// </summary>
    public PoolSignals TakeSignals(Backlog backlog)
    {
        var busy = Volatile.Read(ref _busy);
        var live = Live;
        var engaged = Math.Max(busy, live - Waiting);
        var peak = Math.Max(engaged, Interlocked.Exchange(ref _peakBusy, busy));
        TimeSpan? mean = null;
        var jobs = Interlocked.Exchange(ref _ranJobs, 0);
        var ticks = Interlocked.Exchange(ref _ranTicks, 0);
        if (jobs > 0)
            _meanRun = _meanRun is { } old ? TimeSpan.FromTicks((old.Ticks + ticks / jobs) / 2) : TimeSpan.FromTicks(ticks / jobs);
        mean = _meanRun;
        return new PoolSignals(live, busy, peak, backlog, mean);
    }

    private TimeSpan? _meanRun;

    /// <summary>
    /// Without a backlog source (a queue that cannot say its depth): a pool whose every slot is
    /// busy and whose last job waited counts one job as ready, that long.
    /// </summary>
    public Backlog LocalBacklog()
    {
        var live = Live;
        var waited = Volatile.Read(ref _lastWaitMs);
        return live > 0 && Waiting == 0 && waited > 0
            ? new Backlog(1, TimeSpan.FromMilliseconds(waited))
            : Backlog.None;
    }

    /// <summary>Grows to or shrinks toward <paramref name="target"/>: new slots start at once; idle slots retire first, busy ones after their job.</summary>
    public void SetTarget(int target)
    {
        lock (_slots)
        {
            if (_stopFetching.IsCancellationRequested)
                return;
            Target = target;
            (_queue as IFetchCapacity)?.SetCapacity(Spec.Name, target);
            _slots.RemoveAll(s => s.Loop.IsCompleted);
            var live = _slots.Where(s => !s.Retire.IsCancellationRequested).ToList();
            for (var i = live.Count; i < target; i++)
            {
                var slot = new Slot();
                _slots.Add(slot);
                slot.Loop = Task.Run(() => SlotLoopAsync(slot));
            }
            var surplus = live.Count - target;
            foreach (var slot in live.OrderBy(s => s.Busy))
            {
                if (surplus-- <= 0)
                    break;
                slot.Retire.Cancel();
            }
        }
    }

    private async Task SlotLoopAsync(Slot slot)
    {
        var runner = Image is { } image
            ? (_options.CreateImageRunner ?? throw new InvalidOperationException("this node cannot run image functions"))(Spec, image)
            : _options.CreateRunner(Spec, Folder);
        // The previous job's record (ack, retry or dead letter) may still be on its way to the
        // store when this slot asks for its next job: the process is free once it has answered,
        // and the fetch then joins the same group commit as that record instead of waiting a
        // writer round trip behind it (BullMQ's moveToFinished-and-fetch-next, in spirit).
        var recording = Task.CompletedTask;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_stopFetching.Token, slot.Retire.Token);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                await PauseAfterCrashesAsync(stop.Token);
                // Warm mode: the process is up before the slot may take a job (started ahead of
                // the first one, and again at once after it died between jobs).
                if (!await runner.WarmUpAsync(stop.Token))
                {
                    Interlocked.Increment(ref _crashStreak);
                    continue;
                }
                IJobLease lease;
                try
                {
                    lease = await FetchAsync(runner, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (ProcessGoneException)
                {
                    LogProcessReplaced(_logger, Spec.Name);
                    continue;
                }
                catch (Exception ex)
                {
                    LogFetchFailed(_logger, Spec.Name, ex);
                    await DelayQuietlyAsync(TimeSpan.FromSeconds(1), stop.Token);
                    continue;
                }

                // One record in flight per slot at most.
                await recording;
                var ran = new TaskCompletionSource<JobError?>(TaskCreationOptions.RunContinuationsAsynchronously);
                slot.Busy = true;
                var busy = Interlocked.Increment(ref _busy);
                if (busy > Volatile.Read(ref _peakBusy))
                    Interlocked.Exchange(ref _peakBusy, busy);
                Volatile.Write(ref _lastWaitMs, Math.Max(1, (long)(lease.Job.StartedAt - (lease.Job.ReadyAt ?? lease.Job.CreatedAt)).TotalMilliseconds));
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                recording = ProcessAsync(lease, runner, ran);
                var error = await ran.Task;
                slot.Busy = false;
                Interlocked.Add(ref _ranTicks, System.Diagnostics.Stopwatch.GetElapsedTime(started).Ticks);
                Interlocked.Increment(ref _ranJobs);
                if (error?.Kind == ErrorKind.Crash)
                    Interlocked.Increment(ref _crashStreak);
                else
                    Volatile.Write(ref _crashStreak, 0);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Retired or stopping while its process started or the pool backed off.
        }
        finally
        {
            await recording;
            await runner.DisposeAsync();
        }
    }

    /// <summary>Thrown inside the slot when its idle warm process died while the fetch waited.</summary>
    private sealed class ProcessGoneException : Exception
    {
    }

    /// <summary>
    /// A fork slot just fetches. A warm slot also watches its process: should it die while the
    /// fetch waits, the fetch is given up (a job claimed in that instant still runs, on a fresh
    /// process) and the slot starts a new process at once.
    /// </summary>
    private async Task<IJobLease> FetchAsync(IFunctionRunner runner, CancellationToken stop)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            return await FetchOrReplaceAsync(runner, stop);
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    private async Task<IJobLease> FetchOrReplaceAsync(IFunctionRunner runner, CancellationToken stop)
    {
        var gone = runner.ProcessGone;
        if (gone == RunnerTasks.Never)
            return await _queue.FetchAsync(Spec.Name, _options.Node, stop);
        using var fetchCancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var fetch = _queue.FetchAsync(Spec.Name, _options.Node, fetchCancel.Token);
        if (await Task.WhenAny(fetch, gone) != fetch)
            await fetchCancel.CancelAsync();
        try
        {
            return await fetch;
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new ProcessGoneException();
        }
    }

    /// <summary>Runs and records one attempt; <paramref name="ran"/> completes as soon as the process is done with it.</summary>
    private async Task ProcessAsync(IJobLease lease, IFunctionRunner runner, TaskCompletionSource<JobError?> ran)
    {
        try
        {
            await _processor.ProcessAsync(lease, runner, Spec, _kill.Token, error =>
            {
                if (ran.TrySetResult(error))
                    Interlocked.Decrement(ref _busy);
            });
        }
        catch (Exception ex)
        {
            // The store refused a write (disk full, say). The lease was disposed, so the job is
            // handed back or its lease runs out: it is not lost. The slot waits before its next job.
            LogProcessFailed(_logger, lease.Job.Id, ex);
            await DelayQuietlyAsync(TimeSpan.FromSeconds(1), _stopFetching.Token);
        }
        finally
        {
            if (ran.TrySetResult(null))
                Interlocked.Decrement(ref _busy);
        }
    }

    /// <summary>
    /// A function whose processes keep crashing is unhealthy: its slots wait longer and longer
    /// before taking the next job, so queued jobs wait instead of burning their attempts.
    /// </summary>
    private Task PauseAfterCrashesAsync(CancellationToken stop)
    {
        var streak = Volatile.Read(ref _crashStreak);
        if (streak < UnhealthyAfterCrashes)
            return Task.CompletedTask;
        var pause = TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, streak - UnhealthyAfterCrashes), MaxCrashPause.TotalMilliseconds));
        return DelayQuietlyAsync(pause, stop);
    }

    private async Task DelayQuietlyAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, _options.Time, stop);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Drains: stop taking jobs at once; running jobs get the grace period to finish; what still
    /// runs then is killed and handed back to the queue (its lease disposed without completing).
    /// </summary>
    public async Task StopAsync(TimeSpan grace)
    {
        Task all;
        lock (_slots)
        {
            _stopFetching.Cancel();
            all = Task.WhenAll(_slots.Select(s => s.Loop).ToList());
        }
        if (await Task.WhenAny(all, Task.Delay(grace, _options.Time)) != all)
            await _kill.CancelAsync();
        await all;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(_options.DrainGrace);
        _stopFetching.Dispose();
        _kill.Dispose();
    }

    [LoggerMessage(EventId = 120, Level = LogLevel.Error, Message = "Fetching a job of {Function} failed")]
    private static partial void LogFetchFailed(ILogger logger, string function, Exception exception);

    [LoggerMessage(EventId = 121, Level = LogLevel.Error, Message = "Recording job {JobId} failed; it will be run again")]
    private static partial void LogProcessFailed(ILogger logger, string jobId, Exception exception);

    [LoggerMessage(EventId = 122, Level = LogLevel.Warning, Message = "An idle warm process of {Function} died; a new one is started now")]
    private static partial void LogProcessReplaced(ILogger logger, string function);
}
