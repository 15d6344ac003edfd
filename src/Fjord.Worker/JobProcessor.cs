using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Runtime;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker;

/// <summary>
/// The life of one attempt, top to bottom. A pool slot calls <see cref="ProcessAsync"/> with a
/// lease it has just taken because it was free to start the job at once:
///
///  1. The lease is already ours: the store marked the job running with a fencing token.
///  2. A keeper renews the lease while the attempt runs, so a long job is not handed to someone
///     else; if a renewal is refused we have been fenced out and stop the attempt.
///  3. The runner runs the function process (fork or warm, sandboxed) and reports an outcome;
///     function failures are values, not exceptions.
///  4. Success → ack: the result and the log are recorded in the same write that completes the
///     job.
///  5. Failure with attempts left → retry-at with exponential backoff and jitter, recorded with
///     the error in one write.
///  6. Failure on the last attempt → dead letter (status failed), in one write.
///  7. Node stopping: running attempts get the drain grace to finish; one still running then is
///     killed and recorded as a crash attempt, and the job is due again at once. (A job leased
///     but never started is simply given back, uncounted, by disposing the lease.)
///  8. Job canceled while it runs → the store has already recorded the attempt as canceled and
///     fenced our lease in the same write; the lease tells us at once, the runner kills the
///     process tree, and we record nothing more.
///
/// Anything not completed here is recovered by the store: a lease that stops being renewed runs
/// out and the job is run again (at least once), and a fenced completion is simply refused.
/// </summary>
internal sealed partial class JobProcessor(WorkerOptions options, ILogger logger)
{
    /// <summary>
    /// Runs one leased attempt to its recorded end. <paramref name="ran"/> hears the attempt's
    /// error (null on success) as soon as the process is done, before the outcome is recorded:
    /// the slot may then ask for its next job while the record is written. It is not called for
    /// an attempt that ends otherwise (canceled, fenced, or killed by the node stopping).
    /// </summary>
    public async Task ProcessAsync(IJobLease lease, IFunctionRunner runner, FunctionSpec spec, CancellationToken stopping, Action<JobError?> ran)
    {
        await using var _ = lease;
        var job = lease.Job;

        // 2. Keep the lease alive while we run; a refused renewal cancels the attempt.
        using var fenced = new CancellationTokenSource();
        // 8. A cancel reaches us through the lease, not through a renewal (which can be seconds away).
        using var attemptToken = CancellationTokenSource.CreateLinkedTokenSource(stopping, fenced.Token, lease.Canceled);
        await using var keeper = new LeaseKeeper(lease, options.RenewInterval, options.Time, fenced, logger);

        var metrics = options.Metrics?.For(job.Function);
        metrics?.QueueWait.Observe(Math.Max(0, (job.StartedAt - (job.ReadyAt ?? job.CreatedAt)).TotalSeconds));
        var runStart = System.Diagnostics.Stopwatch.GetTimestamp();
        using var live = options.LiveLogs?.Open(job.Id, job.Attempt);
        using var span = AttemptTrace.Start(job, options.Node);

        // 3. Run. The runner enforces the function's timeout itself and kills the whole tree.
        RunResult result;
        try
        {
            result = await runner.RunAsync(
                new RunRequest(job.Id, job.Function, job.Attempt, job.Payload, job.ContentType)
                {
                    Tap = live is null ? null : live.Write,
                    TraceParent = span.TraceParent,
                    TraceState = span.TraceState,
                    Trigger = job.Trigger,
                },
                attemptToken.Token);
        }
        catch (OperationCanceledException) when (lease.Canceled.IsCancellationRequested)
        {
            // 8. The cancel is on disk with its attempt record; any write of ours would be fenced.
            LogCanceled(logger, job.Id, job.Attempt);
            return;
        }
        catch (OperationCanceledException) when (fenced.IsCancellationRequested)
        {
            // Another owner has this attempt now: we must not record anything for it.
            LogFenced(logger, job.Id, job.Attempt);
            return;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // 7. Shutdown killed the attempt after the drain grace. The process had started and
            // may have had side effects, so the run is recorded (kind crash) rather than handed
            // back as if it never began; the job is due again at once, and our own shutdown
            // never dead-letters it. If even this write fails, disposing the lease takes the job
            // back counted, or the lease runs out.
            var killed = new JobError(ErrorKind.Crash, "killed: the node stopped before the attempt finished");
            await lease.RetryAtAsync(options.Time.GetUtcNow(), AttemptOutcome.Failure(killed, "", options.Time.GetUtcNow()), CancellationToken.None);
            LogHandedBack(logger, job.Id);
            return;
        }
        await keeper.StopAsync();
        metrics?.Run.Observe(System.Diagnostics.Stopwatch.GetElapsedTime(runStart).TotalSeconds);
        ran(result.Error);

        var now = options.Time.GetUtcNow();
        bool recorded;
        if (result.Succeeded)
        {
            // 4. Checkpoint: the job counts as done only once this write is durable. If we die
            // before it, the lease runs out and the job runs again: at least once, never zero.
            recorded = await lease.AckAsync(
                AttemptOutcome.Success(result.Output, result.ContentType, result.Log, now), CancellationToken.None);
        }
        else
        {
            var outcome = AttemptOutcome.Failure(result.Error!, result.Log, now);
            if (job.Attempt < job.MaxAttempts)
            {
                // 5. A killed, crashed, timed-out or out-of-memory process is a failed attempt like
                // any other: it is retried, never silently acked.
                var runAt = now + spec.Backoff.DelayAfter(job.Attempt, Random.Shared.NextDouble());
                recorded = await lease.RetryAtAsync(runAt, outcome, CancellationToken.None);
                LogRetry(logger, job.Id, job.Attempt, result.Error!.KindName, runAt);
            }
            else
            {
                // 6. Out of attempts: one atomic move to the dead letters, history kept.
                recorded = await lease.DeadLetterAsync(outcome, CancellationToken.None);
                LogDeadLetter(logger, job.Id, job.Attempt, result.Error!.KindName);
            }
        }

        span.Outcome(result.Error, recorded);
        if (recorded && metrics is not null && (result.Succeeded || job.Attempt >= job.MaxAttempts))
        {
            metrics.EndToEnd.Observe(Math.Max(0, (now - job.CreatedAt).TotalSeconds));
            options.Metrics!.Ended(job.Function, result.Succeeded ? JobStatus.Succeeded : JobStatus.Failed, result.Error);
        }
        if (!recorded && lease.Canceled.IsCancellationRequested)
            LogCanceled(logger, job.Id, job.Attempt);
        else if (!recorded)
            LogFenced(logger, job.Id, job.Attempt);
    }

    [LoggerMessage(EventId = 101, Level = LogLevel.Warning, Message = "Job {JobId} attempt {Attempt} lost its lease; its outcome was not recorded")]
    private static partial void LogFenced(ILogger logger, string jobId, int attempt);

    [LoggerMessage(EventId = 102, Level = LogLevel.Information, Message = "Job {JobId} killed by the node stopping; queued again with the attempt recorded")]
    private static partial void LogHandedBack(ILogger logger, string jobId);

    [LoggerMessage(EventId = 103, Level = LogLevel.Debug, Message = "Job {JobId} attempt {Attempt} failed ({Kind}); retry at {RunAt:o}")]
    private static partial void LogRetry(ILogger logger, string jobId, int attempt, string kind, DateTimeOffset runAt);

    [LoggerMessage(EventId = 105, Level = LogLevel.Information, Message = "Job {JobId} attempt {Attempt} was canceled while it ran; its process was stopped")]
    private static partial void LogCanceled(ILogger logger, string jobId, int attempt);

    [LoggerMessage(EventId = 104, Level = LogLevel.Information, Message = "Job {JobId} dead-lettered after attempt {Attempt} ({Kind})")]
    private static partial void LogDeadLetter(ILogger logger, string jobId, int attempt, string kind);
}
