using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Brings a dead letter back: queued now, with a fresh attempt budget (attempt = 0). Its earlier
/// attempts stay in the history; the failed total does not go down (it counts what happened).
/// </summary>
internal sealed class RetryJobOp(string jobId) : WriteOp<JobCommandResult>
{
    private static readonly SqlText Sql = new("""
        UPDATE jobs SET status = 0, attempt = 0, run_at = $now, finished_at = NULL, lease_expires = NULL,
            error_kind = NULL, error_message = NULL, error_exit_code = NULL
        WHERE id = $id AND status = 4
        RETURNING function
        """);

    public override bool Durable => true;

    public override void Execute(WriteContext context)
    {
        string? function;
        using (var reader = context.Sql[Sql].Set("$now", context.Now).Set("$id", jobId).Read())
            function = reader.Read() ? reader.GetString(0) : null;
        if (function is null)
        {
            Result = JobState.Exists(context, jobId) ? JobCommandResult.WrongState : JobCommandResult.NotFound;
            return;
        }
        JobWrites.Waiting(context, function, context.Now);
        Result = JobCommandResult.Done;
    }
}

/// <summary>Cancels a job that has not started: it never runs. A running or finished job is left alone.</summary>
internal sealed class CancelJobOp(string jobId) : WriteOp<JobCommandResult>
{
    private static readonly SqlText Sql = new(
        "UPDATE jobs SET status = 5, finished_at = $now WHERE id = $id AND status IN (0, 1) RETURNING function");

    public override bool Durable => true;

    public override void Execute(WriteContext context)
    {
        string? function;
        using (var reader = context.Sql[Sql].Set("$now", context.Now).Set("$id", jobId).Read())
            function = reader.Read() ? reader.GetString(0) : null;
        if (function is null)
        {
            Result = JobState.Exists(context, jobId) ? JobCommandResult.WrongState : JobCommandResult.NotFound;
            return;
        }
        context.Depths.Add(function, -1);
        context.Ended.Add(jobId);
        Result = JobCommandResult.Done;
    }
}

internal static class JobState
{
    private static readonly SqlText ExistsSql = new("SELECT 1 FROM jobs WHERE id = $id");

    public static bool Exists(WriteContext context, string jobId) =>
        context.Sql[ExistsSql].Set("$id", jobId).Scalar() is not null;
}
