using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Brings a dead letter back: queued now, with a fresh attempt budget (attempt = 0). Its earlier
/// attempts stay in the history; the failed total does not go down (it counts what happened).
/// </summary>
internal sealed class RetryJobOp(string jobId) : WriteOp<JobCommandResult>
{
    private static readonly SqlText Sql = new($"""
        UPDATE jobs SET status = {JobSql.RetryDeadLetter.To}, attempt = 0, run_at = $now, requeued_at = $now, finished_at = NULL, lease_expires = NULL,
            error_kind = NULL, error_message = NULL, error_exit_code = NULL
        WHERE id = $id AND status = {JobSql.RetryDeadLetter.From}
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

/// <summary>
/// Cancels a job. Queued or scheduled: it never runs. Running: the job is canceled and its
/// attempt recorded (error kind canceled) in this one write, which also fences the lease (the
/// job is no longer running, so the worker's ack, retry, dead letter and renewal all change
/// nothing); after the commit the live lease is told, so the worker kills the process at once
/// instead of at its next renewal. A finished job is left alone (wrong state).
/// </summary>
internal sealed class CancelJobOp(string jobId) : WriteOp<JobCommandResult>
{
    private static readonly SqlText Find = new(
        "SELECT status, function, attempt, lease_token, started_at, node, callback_url FROM jobs WHERE id = $id");

    private static readonly SqlText CancelWaiting = new(
        $"UPDATE jobs SET status = {JobSql.Cancel.To}, finished_at = $now WHERE id = $id AND status IN ({JobSql.Cancel.From})");

    private static readonly SqlText CancelRunning = new($"""
        UPDATE jobs SET status = {JobSql.CancelRunning.To}, finished_at = $now, lease_expires = NULL,
            error_kind = 'canceled', error_message = $message, error_exit_code = NULL
        WHERE id = $id AND status = {JobSql.CancelRunning.From}
        """);

    private static readonly JobError Canceled = new(ErrorKind.Canceled, AttemptOutcomes.CanceledWhileRunning);

    public override bool Durable => true;

    public override void Execute(WriteContext context)
    {
        JobStatus status;
        string function;
        long attempt, token, startedAt;
        string? node, callbackUrl;
        using (var reader = context.Sql[Find].Set("$id", jobId).Read())
        {
            if (!reader.Read())
            {
                Result = JobCommandResult.NotFound;
                return;
            }
            status = (JobStatus)reader.GetInt32(0);
            function = reader.GetString(1);
            attempt = reader.GetInt64(2);
            token = reader.IsDBNull(3) ? 0 : reader.GetInt64(3);
            startedAt = reader.IsDBNull(4) ? context.Now : reader.GetInt64(4);
            node = reader.IsDBNull(5) ? null : reader.GetString(5);
            callbackUrl = reader.IsDBNull(6) ? null : reader.GetString(6);
        }

        switch (status)
        {
            case JobStatus.Queued or JobStatus.Scheduled:
                context.Sql[CancelWaiting].Set("$now", context.Now).Set("$id", jobId).Run();
                context.Depths.Add(function, -1);
                JobWrites.QueueCallback(context, jobId, callbackUrl, JobStatus.Canceled, attempt, null);
                break;
            case JobStatus.Running:
                context.Sql[CancelRunning].Set("$now", context.Now).Set("$message", AttemptOutcomes.CanceledWhileRunning).Set("$id", jobId).Run();
                JobWrites.RecordAttempt(context, jobId, attempt, startedAt, node, AttemptOutcomes.Canceled, Canceled, log: null);
                JobWrites.QueueCallback(context, jobId, callbackUrl, JobStatus.Canceled, attempt, Canceled);
                context.CanceledLeases.Add((jobId, token));
                break;
            default:
                Result = JobCommandResult.WrongState;
                return;
        }
        context.Ended.Add(new EndedJob(jobId, new JobEnd(JobStatus.Canceled, null, null)));
        Result = JobCommandResult.Done;
    }
}

internal static class JobState
{
    private static readonly SqlText ExistsSql = new("SELECT 1 FROM jobs WHERE id = $id");

    public static bool Exists(WriteContext context, string jobId) =>
        context.Sql[ExistsSql].Set("$id", jobId).Scalar() is not null;
}
