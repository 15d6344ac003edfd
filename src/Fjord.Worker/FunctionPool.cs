using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Runtime;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker;

/// <summary>
/// The processes of one function on this node (supervisord's numprocs): <c>concurrency</c>
/// slots, each with its own runner. A slot asks the queue for a job only when it is idle (its
/// process has answered the previous job), so the node never holds a job it cannot start at
/// once (fair dispatch: prefetch = free slots).
/// </summary>
internal sealed partial class FunctionPool : IAsyncDisposable
{
    private const int UnhealthyAfterCrashes = 3;
    private static readonly TimeSpan MaxCrashPause = TimeSpan.FromSeconds(30);

    private readonly IJobQueue _queue;
    private readonly WorkerOptions _options;
    private readonly ILogger _logger;
    private readonly JobProcessor _processor;
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly CancellationTokenSource _kill = new();
    private readonly Task[] _slots;
    private int _busy;
    private int _crashStreak;

    public FunctionPool(FunctionSpec spec, string? folder, IJobQueue queue, WorkerOptions options, ILogger logger)
    {
        Spec = spec;
        Folder = folder;
        _queue = queue;
        _options = options;
        _logger = logger;
        _processor = new JobProcessor(options, logger);
        _slots = new Task[spec.Concurrency];
        for (var i = 0; i < _slots.Length; i++)
            _slots[i] = Task.Run(SlotLoopAsync);
    }

    public FunctionSpec Spec { get; }

    public string? Folder { get; }

    public PoolStatus Status
    {
        get
        {
            var streak = Volatile.Read(ref _crashStreak);
            return new PoolStatus(
                _slots.Length,
                Volatile.Read(ref _busy),
                streak < UnhealthyAfterCrashes,
                streak < UnhealthyAfterCrashes ? null : $"{streak} crashes in a row; restarts are backing off");
        }
    }

    private async Task SlotLoopAsync()
    {
        var runner = _options.CreateRunner(Spec, Folder);
        // The previous job's record (ack, retry or dead letter) may still be on its way to the
        // store when this slot asks for its next job: the process is free once it has answered,
        // and the fetch then joins the same group commit as that record instead of waiting a
        // writer round trip behind it (BullMQ's moveToFinished-and-fetch-next, in spirit).
        var recording = Task.CompletedTask;
        try
        {
            while (!_stopFetching.IsCancellationRequested)
            {
                await PauseAfterCrashesAsync();
                IJobLease lease;
                try
                {
                    lease = await _queue.FetchAsync(Spec.Name, _options.Node, _stopFetching.Token);
                }
                catch (OperationCanceledException) when (_stopFetching.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception ex)
                {
                    LogFetchFailed(_logger, Spec.Name, ex);
                    await DelayQuietlyAsync(TimeSpan.FromSeconds(1));
                    continue;
                }

                // One record in flight per slot at most.
                await recording;
                var ran = new TaskCompletionSource<JobError?>(TaskCreationOptions.RunContinuationsAsynchronously);
                Interlocked.Increment(ref _busy);
                recording = ProcessAsync(lease, runner, ran);
                var error = await ran.Task;
                if (error?.Kind == ErrorKind.Crash)
                    Interlocked.Increment(ref _crashStreak);
                else
                    Volatile.Write(ref _crashStreak, 0);
            }
        }
        finally
        {
            await recording;
            await runner.DisposeAsync();
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
            await DelayQuietlyAsync(TimeSpan.FromSeconds(1));
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
    private Task PauseAfterCrashesAsync()
    {
        var streak = Volatile.Read(ref _crashStreak);
        if (streak < UnhealthyAfterCrashes)
            return Task.CompletedTask;
        var pause = TimeSpan.FromMilliseconds(Math.Min(250 * Math.Pow(2, streak - UnhealthyAfterCrashes), MaxCrashPause.TotalMilliseconds));
        return DelayQuietlyAsync(pause);
    }

    private async Task DelayQuietlyAsync(TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _options.Time, _stopFetching.Token);
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
        await _stopFetching.CancelAsync();
        var all = Task.WhenAll(_slots);
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
}
