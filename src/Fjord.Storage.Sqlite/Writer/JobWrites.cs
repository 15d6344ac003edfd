using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>The statements several state changes share: recording an attempt, counting an ending.</summary>
internal static class JobWrites
{
    private static readonly SqlText InsertAttempt = new("""
        INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message, exit_code, log)
        VALUES ($job, $number, $started, $finished, $node, $outcome, $kind, $message, $exit, $log)
        """);

    private static readonly SqlText CountSucceeded = new(
        "INSERT INTO counters (function, succeeded) VALUES ($function, 1) ON CONFLICT(function) DO UPDATE SET succeeded = succeeded + 1");

    private static readonly SqlText CountFailed = new(
        "INSERT INTO counters (function, failed) VALUES ($function, 1) ON CONFLICT(function) DO UPDATE SET failed = failed + 1");

    private static readonly SqlText InsertCallback = new("""
        INSERT INTO callbacks (job_id, url, status, attempt, error_kind, error_message, error_exit_code, created_at, next_at)
        VALUES ($job, $url, $status, $attempt, $kind, $message, $exit, $now, $now)
        """);

    /// <summary>
    /// The outbox row of a job's callback, in the transaction that ends the job: the end and its
    /// callback commit together or not at all. Callers pass the job's callback URL (null: nothing to do).
    /// </summary>
    public static void QueueCallback(WriteContext context, string jobId, string? url, JobStatus status, long attempt, JobError? error)
    {
        if (url is null)
            return;
        context.Sql[InsertCallback]
            .Set("$job", jobId)
            .Set("$url", url)
            .Set("$status", (int)status)
            .Set("$attempt", attempt)
            .Set("$kind", error?.KindName)
            .Set("$message", error?.Message)
            .Set("$exit", error?.ExitCode)
            .Set("$now", context.Now)
            .Run();
    }

    public static void RecordAttempt(WriteContext context, string jobId, long number, long startedAt, string? node, string outcome, JobError? error, string? log)
    {
        context.Sql[InsertAttempt]
            .Set("$job", jobId)
            .Set("$number", number)
            .Set("$started", startedAt)
            .Set("$finished", context.Now)
            .Set("$node", node)
            .Set("$outcome", outcome)
            .Set("$kind", error?.KindName)
            .Set("$message", error?.Message)
            .Set("$exit", error?.ExitCode)
            .Set("$log", LogText.Cap(log))
            .Run();
    }

    /// <summary>A job succeeded: count it and tell its waiters (after the commit), handing them the result.</summary>
    public static void CountSuccess(WriteContext context, string function, string jobId, JobResult result)
    {
        context.Sql[CountSucceeded].Set("$function", function).Run();
        context.Ended.Add(new EndedJob(jobId, new JobEnd(JobStatus.Succeeded, null, result)));
    }

    /// <summary>A job became a dead letter: count it and tell its waiters (after the commit).</summary>
    public static void DeadLettered(WriteContext context, string function, string jobId, JobError error)
    {
        context.Sql[CountFailed].Set("$function", function).Run();
        context.Ended.Add(new EndedJob(jobId, new JobEnd(JobStatus.Failed, error, null)));
    }

    /// <summary>A job is waiting again: it counts toward the queue's depth and wakes fetches when due.</summary>
    public static void Waiting(WriteContext context, string function, long runAt)
    {
        context.Depths.Add(function, 1);
        if (runAt <= context.Now)
            context.Wake.Add(function);
        else
            context.Later.Add((function, runAt));
    }
}
