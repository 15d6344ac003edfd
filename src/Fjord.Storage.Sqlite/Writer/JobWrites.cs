using Fjord.Core.Jobs;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>The statements several state changes share: recording an attempt, counting an ending.</summary>
internal static class JobWrites
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";
    public const string Lost = "lost";
    public const string Running = "running";

    private static readonly SqlText InsertAttempt = new("""
        INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message, exit_code, log)
        VALUES ($job, $number, $started, $finished, $node, $outcome, $kind, $message, $exit, $log)
        """);

    private static readonly SqlText CountSucceeded = new(
        "INSERT INTO counters (function, succeeded) VALUES ($function, 1) ON CONFLICT(function) DO UPDATE SET succeeded = succeeded + 1");

    private static readonly SqlText CountFailed = new(
        "INSERT INTO counters (function, failed) VALUES ($function, 1) ON CONFLICT(function) DO UPDATE SET failed = failed + 1");

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

    /// <summary>A job succeeded: count it and tell its waiters (after the commit).</summary>
    public static void CountSuccess(WriteContext context, string function, string jobId)
    {
        context.Sql[CountSucceeded].Set("$function", function).Run();
        context.Ended.Add(jobId);
    }

    /// <summary>A job became a dead letter: count it and tell its waiters (after the commit).</summary>
    public static void DeadLettered(WriteContext context, string function, string jobId)
    {
        context.Sql[CountFailed].Set("$function", function).Run();
        context.Ended.Add(jobId);
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
