using Fjord.Core.Jobs;
using Fjord.Core.Ledger;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresJobLedger
{
    /// <summary>
    /// Intake committed jobs but the broker did not confirm all of their messages, so the caller
    /// gets a 503 and not a 202. Cancels every job of the batch (confirmed or not), so a 503
    /// means "none will run": none can have started, because a job is not claimed while its
    /// outbox row is still claimed by its publisher (<see cref="ClaimStatus.Held"/>), and a message
    /// that did reach the broker then finds the job canceled and is dropped. Returns how many
    /// were canceled. If this write fails too, the outbox rows stay and, once their claim runs out,
    /// the relay publishes them: the jobs then run although the caller saw a 503, which is why
    /// clients retry with an Idempotency-Key. No callback is queued: the caller was told 503,
    /// not given a job whose end it awaits.
    /// </summary>
    public Task<long> AbandonAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken) => PostgresStore.Guard(async () =>
    {
        await using var command = Db.CreateCommand($"""
            WITH j AS (UPDATE jobs SET status = {JobSql.Cancel.To}, finished_at = fjord_now_ms() WHERE id = ANY($1) AND status IN ({JobSql.Cancel.From}) RETURNING id),
            o AS (DELETE FROM outbox WHERE job_id IN (SELECT id FROM j)),
            n AS (SELECT pg_notify('fjord_job_end', id) FROM j)
            SELECT (SELECT count(*) FROM j) + 0 * (SELECT count(*) FROM n)
            """).Arg(jobIds.ToArray());
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    });
}
