using Fjord.Core.Jobs;
using Fjord.Core.Ledger;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Ends one attempt: the job's new status, the attempt's record and the running totals change in
/// one write. Every variant is fenced (<c>lease_token = $token AND status = running</c>): a worker
/// whose lease ran out and was handed to another cannot finish that other attempt; it gets false.
/// </summary>
internal sealed class CompleteOp(LedgerCompletion kind, string jobId, long token, bool sync, AttemptOutcome outcome, long runAt)
    : WriteOp<bool>
{
    // Ack, retry and dead letter all start from running (JobTransitions).
    private const string Fence = $"WHERE id = $id AND lease_token = $token AND status = {JobSql.Running} RETURNING function, attempt, started_at, node, callback_url";

    private static readonly SqlText AckSql = new($"""
        UPDATE jobs SET status = {JobSql.Ack.To}, finished_at = $now, lease_expires = NULL,
            result = $result, result_content_type = $type,
            error_kind = NULL, error_message = NULL, error_exit_code = NULL
        {Fence}
        """);

    private static readonly SqlText RetrySql = new($"""
        UPDATE jobs SET status = {JobSql.Retry.To}, run_at = $run, lease_expires = NULL,
            error_kind = $kind, error_message = $message, error_exit_code = $exit
        {Fence}
        """);

    private static readonly SqlText DeadLetterSql = new($"""
        UPDATE jobs SET status = {JobSql.DeadLetter.To}, finished_at = $now, lease_expires = NULL,
            error_kind = $kind, error_message = $message, error_exit_code = $exit
        {Fence}
        """);

    // A sync invocation's outcome goes straight back to its waiting caller; if the process dies
    // before a NORMAL commit reached the disk, the job is found running at the next open and
    // runs again, which at-least-once allows. Everything else is a promise: FULL.
    public override bool Durable => !sync;

    public override void Execute(WriteContext context)
    {
        var error = kind == LedgerCompletion.Ack ? outcome.Error : outcome.FailureError;
        var result = new JobResult(outcome.Result ?? [], outcome.ResultContentType ?? "application/octet-stream");
        var statement = kind switch
        {
            LedgerCompletion.Ack => context.Sql[AckSql]
                .Set("$result", result.Body)
                .Set("$type", result.ContentType),
            LedgerCompletion.Retry => context.Sql[RetrySql].Set("$run", runAt),
            _ => context.Sql[DeadLetterSql],
        };
        statement.Set("$id", jobId).Set("$token", token);
        if (kind == LedgerCompletion.Ack)
            statement.Set("$now", context.Now);
        else
        {
            statement.Set("$kind", error!.KindName).Set("$message", error.Message).Set("$exit", error.ExitCode);
            if (kind == LedgerCompletion.DeadLetter)
                statement.Set("$now", context.Now);
        }

        string function, node;
        string? callbackUrl;
        long attempt, startedAt;
        using (var reader = statement.Read())
        {
            if (!reader.Read())
            {
                Result = false;
                return;
            }
            function = reader.GetString(0);
            attempt = reader.GetInt64(1);
            startedAt = reader.IsDBNull(2) ? context.Now : reader.GetInt64(2);
            node = reader.IsDBNull(3) ? "" : reader.GetString(3);
            callbackUrl = reader.IsDBNull(4) ? null : reader.GetString(4);
        }

        JobWrites.RecordAttempt(context, jobId, attempt, startedAt, node, kind == LedgerCompletion.Ack ? AttemptOutcomes.Succeeded : AttemptOutcomes.Failed, error, outcome.Log);
        switch (kind)
        {
            case LedgerCompletion.Ack:
                JobWrites.CountSuccess(context, function, jobId, result);
                JobWrites.QueueCallback(context, jobId, callbackUrl, JobStatus.Succeeded, attempt, null);
                break;
            case LedgerCompletion.Retry:
                JobWrites.Waiting(context, function, runAt);
                break;
            default:
                JobWrites.DeadLettered(context, function, jobId, error!);
                JobWrites.QueueCallback(context, jobId, callbackUrl, JobStatus.Failed, attempt, error);
                break;
        }
        Result = true;
    }
}
