using Fjord.Core.Jobs;
using Fjord.Core.Ledger;
using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresJobLedger
{
    // The claim deletes the job's outbox row: a running job needs no message, and whatever
    // sends it back to waiting writes a new row in its own statement. It commits without
    // waiting for the WAL flush (Sql.NoFlush): it promises no caller anything, the completion
    // that follows flushes it with its own commit, and if the database crashes first the job
    // is simply waiting again and its unacked message is redelivered (the embedded store
    // commits claims with synchronous=NORMAL for the same reason).
    // Batched statements look their rows up with `id = ANY($1)` and take each row's own values
    // by its position in the arrays (a join with unnest(…) was planned as a hash join). The
    // claim must find its rows through the primary key alone: `status IN (0, 1)` matches the
    // jobs_waiting partial index, and with statistics lagging a fast-growing queue the planner
    // ANDed a bitmap of that whole index (every waiting job: 9,433 rows read to claim one,
    // EXPLAIN ANALYZE) into each claim. `status + 0` is not indexable, so only the key is used.
    // A job whose message is still being published (its outbox row claimed, the claim not run
    // out) is held: a message can be delivered before its publisher has heard every confirm of
    // its batch, and a batch answered 503 must run none of its jobs (see Held).
    private const string ClaimSql = $"""
        WITH {Sql.NoFlush},
        j AS (
            UPDATE jobs SET status = {JobSql.Claim.To}, attempt = attempt + 1, lease_token = nextval('fjord_lease_tokens'),
                lease_expires = fjord_now_ms() + $4, node = $3, started_at = fjord_now_ms()
            WHERE id = ANY($1::text[]) AND status + 0 IN ({JobSql.Claim.From}) AND run_at <= fjord_now_ms()
                AND coalesce(requeued_at, created_at) >= ($2::bigint[])[array_position($1::text[], id)]
                AND NOT EXISTS (SELECT 1 FROM outbox WHERE outbox.job_id = jobs.id AND outbox.claimed_until >= fjord_now_ms())
            RETURNING id, function, attempt, max_attempts, created_at, lease_token, sync, content_type, callback_url, payload, started_at, run_at, trace, trigger_info),
        o AS (DELETE FROM outbox WHERE job_id = ANY($1::text[]) AND job_id IN (SELECT id FROM j))
        SELECT id, function, attempt, max_attempts, created_at, lease_token, sync, content_type, callback_url, payload, started_at, run_at, trace, trigger_info FROM j, no_flush
        """;

    // Held: waiting and due, and either its publisher still holds its outbox row, or it is young
    // enough to claim (the hold ended between the claim and this look: claim again, never drop
    // the message of a job that has no other).
    private const string HeldSql = $"""
        SELECT true FROM jobs j
        WHERE j.id = $1 AND j.status IN ({JobSql.Claim.From}) AND j.run_at <= fjord_now_ms()
            AND (coalesce(j.requeued_at, j.created_at) >= $2
                 OR EXISTS (SELECT 1 FROM outbox o WHERE o.job_id = j.id AND o.claimed_until >= fjord_now_ms()))
        """;

    private static readonly string ExpireSql = $"""
        WITH j AS (
            UPDATE jobs SET status = {JobSql.Expire.To}, finished_at = fjord_now_ms(), lease_expires = NULL,
                error_kind = 'expired', error_message = 'waited longer than the function''s maxAge', error_exit_code = NULL
            WHERE id = $1 AND status IN ({JobSql.Expire.From}) AND run_at <= fjord_now_ms() AND coalesce(requeued_at, created_at) < $2
            RETURNING id, function, {CallbackSql.Returning}),
        o AS (DELETE FROM outbox WHERE job_id IN (SELECT id FROM j)),
        cb AS ({CallbackSql.Queue("j")}),
        c AS ({CounterSql.Add("j", "0", "count(*)")}),
        n AS (SELECT pg_notify('fjord_job_end', id) FROM j)
        SELECT (SELECT count(*) FROM j) + 0 * (SELECT count(*) FROM n)
        """;

    /// <summary>
    /// Acts on one broker message: leases the job it names to <paramref name="node"/> if, and only
    /// if, it is waiting and due. A job older than <paramref name="maxAge"/> is dead-lettered as
    /// expired instead (in its own fenced statement), never handed out.
    /// </summary>
    public Task<ClaimResult> ClaimAsync(string jobId, string node, TimeSpan? maxAge, CancellationToken cancellationToken) =>
        PostgresStore.Guard(async () =>
        {
            var cutoff = maxAge is { } age ? UnixMs.From(DateTimeOffset.UtcNow - age) : long.MinValue;
            // Claims of every slot waiting meanwhile share one statement (see Coalescer).
            if (await _claims.RunAsync((jobId, cutoff, node)) is { } job)
                return new ClaimResult(ClaimStatus.Claimed, job);
            // Not claimed: rare (a duplicate or stale message, or one that beat its publisher's
            // confirms), so this second look costs nothing on the usual path.
            await using (var held = Db.CreateCommand(HeldSql).Arg(jobId).Arg(cutoff))
            {
                if (await held.ExecuteScalarAsync(cancellationToken) is true)
                    return new ClaimResult(ClaimStatus.Held, null);
            }
            if (maxAge is null)
                return new ClaimResult(ClaimStatus.Stale, null);
            await using var expire = Db.CreateCommand(ExpireSql).Arg(jobId).Arg(cutoff);
            return await expire.ExecuteScalarAsync(cancellationToken) is long n && n > 0
                ? new ClaimResult(ClaimStatus.Expired, null)
                : new ClaimResult(ClaimStatus.Stale, null);
        });

    /// <summary>
    /// One batch of <see cref="_claims"/>. A job named twice in a batch (a duplicate message) is
    /// updated once; the first of its callers gets the lease, the others find it stale.
    /// </summary>
    internal async Task<IReadOnlyList<LeasedJob?>> ClaimBatchAsync(IReadOnlyList<(string JobId, long Cutoff, string Node)> batch)
    {
        var claimed = new Dictionary<string, LeasedJob>(StringComparer.Ordinal);
        foreach (var group in batch.GroupBy(b => b.Node, StringComparer.Ordinal))
        {
            await using var command = Db.CreateCommand(ClaimSql)
                .Arg(group.Select(b => b.JobId).ToArray()).Arg(group.Select(b => b.Cutoff).ToArray()).Arg(group.Key).Arg(LeaseMs);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                var job = new LeasedJob
                {
                    Id = reader.GetString(0),
                    Function = reader.GetString(1),
                    Attempt = reader.GetInt32(2),
                    MaxAttempts = reader.GetInt32(3),
                    CreatedAt = UnixMs.To(reader.GetInt64(4)),
                    LeaseToken = reader.GetInt64(5),
                    Sync = reader.GetBoolean(6),
                    ContentType = reader.IsDBNull(7) ? null : reader.GetString(7),
                    CallbackUrl = reader.IsDBNull(8) ? null : reader.GetString(8),
                    Payload = reader.GetFieldValue<byte[]>(9),
                    StartedAt = UnixMs.To(reader.GetInt64(10)),
                    ReadyAt = UnixMs.To(reader.GetInt64(11)),
                    Trace = reader.IsDBNull(12) ? null : reader.GetString(12),
                    Trigger = JobTrigger.Unpack(reader.IsDBNull(13) ? null : reader.GetString(13)),
                };
                claimed[job.Id] = job;
            }
        }
        return batch.Select(b => claimed.Remove(b.JobId, out var job) ? job : null).ToList();
    }

    /// <summary>
    /// Watches for a cancel of the leased job from any node (NOTIFY after the cancel committed).
    /// Start it right after the claim: a cancel that commits before the watch exists is not
    /// missed for long, because the lease's next renewal is refused (the job is no longer running).
    /// </summary>
    public ILeaseCancelWatch WatchCancel(string jobId) => new LeaseCancelWatch(_store.Listener.Cancels, jobId);

    /// <summary>Extends a running job's lease on the database clock. False when fenced.</summary>
    public Task<bool> RenewAsync(string jobId, long token, CancellationToken cancellationToken) => PostgresStore.Guard(async () =>
    {
        await using var command = Db.CreateCommand(
            $"UPDATE jobs SET lease_expires = fjord_now_ms() + $3 WHERE id = $1 AND lease_token = $2 AND status = {JobSql.Running}")
            .Arg(jobId).Arg(token).Arg(LeaseMs);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    });

    // Only a sync job has someone waiting on its end (a gateway's sync invoke): NOTIFY takes a
    // database-wide lock at commit, so notifying every ack serialized the acks of all slots
    // (~8% end-to-end on RabbitMQ + PostgreSQL, two A/B pairs of bench/run.sh --only rabbit
    // --quick). A waiter on an async job still sees its end: it re-reads every 2 s.
    private static readonly string AckSql = $"""
        WITH j AS (
            UPDATE jobs SET status = {JobSql.Ack.To}, finished_at = fjord_now_ms(), lease_expires = NULL,
                result = ($3::bytea[])[array_position($1::text[], id)], result_content_type = ($4::text[])[array_position($1::text[], id)],
                error_kind = NULL, error_message = NULL, error_exit_code = NULL
            WHERE id = ANY($1::text[]) AND lease_token = ($2::bigint[])[array_position($1::text[], id)] AND status = {JobSql.Ack.From}
            RETURNING id, lease_token, function, started_at, node, sync, ($5::text[])[array_position($1::text[], id)] AS log, {CallbackSql.Returning}),
        cb AS ({CallbackSql.Queue("j")}),
        a AS (INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, log)
              SELECT id, attempt, coalesce(started_at, fjord_now_ms()), fjord_now_ms(), node, 'succeeded', log FROM j),
        c AS ({CounterSql.Add("j", "count(*)", "0")}),
        n AS (SELECT pg_notify('fjord_job_end', id) FROM j WHERE sync)
        SELECT id, lease_token FROM j WHERE 0 * (SELECT count(*) FROM n) = 0
        """;

    private const string RetrySql = $"""
        WITH j AS (
            UPDATE jobs SET status = {JobSql.Retry.To}, run_at = greatest($3, fjord_now_ms()), lease_expires = NULL,
                error_kind = $4, error_message = $5, error_exit_code = $6
            WHERE id = $1 AND lease_token = $2 AND status = {JobSql.Retry.From}
            RETURNING id, function, attempt, started_at, node, run_at),
        a AS (INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message, exit_code, log)
              SELECT id, attempt, coalesce(started_at, fjord_now_ms()), fjord_now_ms(), node, 'failed', $4, $5, $6, $7 FROM j),
        o AS (INSERT INTO outbox (job_id, function, due_at) SELECT id, function, run_at FROM j
              ON CONFLICT (job_id) DO UPDATE SET due_at = excluded.due_at, claim = NULL, claimed_until = 0)
        SELECT count(*) FROM j
        """;

    private static readonly string DeadLetterSql = $"""
        WITH j AS (
            UPDATE jobs SET status = {JobSql.DeadLetter.To}, finished_at = fjord_now_ms(), lease_expires = NULL,
                error_kind = $4, error_message = $5, error_exit_code = $6
            WHERE id = $1 AND lease_token = $2 AND status = {JobSql.DeadLetter.From} AND $3::bigint IS NOT NULL
            RETURNING id, function, started_at, node, {CallbackSql.Returning}),
        cb AS ({CallbackSql.Queue("j")}),
        a AS (INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message, exit_code, log)
              SELECT id, attempt, coalesce(started_at, fjord_now_ms()), fjord_now_ms(), node, 'failed', $4, $5, $6, $7 FROM j),
        c AS ({CounterSql.Add("j", "0", "count(*)")}),
        n AS (SELECT pg_notify('fjord_job_end', id) FROM j)
        SELECT (SELECT count(*) FROM j) + 0 * (SELECT count(*) FROM n)
        """;

    /// <summary>
    /// Ends one attempt in one statement: the job's status, the attempt's record, the totals,
    /// the outbox row of a retry, and the end notice. Fenced: false when the token no longer
    /// matches (the lease ran out and the job was taken back or handed to someone else).
    /// </summary>
    public Task<bool> CompleteAsync(LedgerCompletion kind, string jobId, long token, AttemptOutcome outcome, DateTimeOffset runAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return PostgresStore.Guard(async () =>
        {
            if (kind == LedgerCompletion.Ack)
            {
                // Acks of every slot finishing meanwhile share one statement (see Coalescer).
                return await _acks.RunAsync((jobId, token, outcome.Result ?? [], outcome.ResultContentType ?? "application/octet-stream", LogText.Cap(outcome.Log)));
            }
            var error = outcome.FailureError;
            var command = Db.CreateCommand(kind == LedgerCompletion.Retry ? RetrySql : DeadLetterSql).Arg(jobId).Arg(token)
                .Arg(UnixMs.From(runAt)).Arg(error.KindName).Arg(error.Message).Arg(error.ExitCode).Arg(LogText.Cap(outcome.Log));
            await using (command)
                return await command.ExecuteScalarAsync(cancellationToken) is long n && n > 0;
        });
    }

    /// <summary>One batch of <see cref="_acks"/>: true for each attempt whose fenced ack changed its job.</summary>
    internal async Task<IReadOnlyList<bool>> AckBatchAsync(IReadOnlyList<(string JobId, long Token, byte[] Result, string ContentType, string Log)> batch)
    {
        // Each row takes its values from the first position of its id: a job named twice (a
        // stale owner acking beside the new one) goes one statement per ack, each fenced by its own token.
        if (batch.Count > 1 && batch.DistinctBy(b => b.JobId, StringComparer.Ordinal).Count() < batch.Count)
        {
            var each = new List<bool>(batch.Count);
            foreach (var item in batch)
                each.AddRange(await AckBatchAsync([item]));
            return each;
        }
        await using var command = Db.CreateCommand(AckSql)
            .Arg(batch.Select(b => b.JobId).ToArray()).Arg(batch.Select(b => b.Token).ToArray())
            .Arg(batch.Select(b => b.Result).ToArray()).Arg(batch.Select(b => b.ContentType).ToArray()).Arg(batch.Select(b => b.Log).ToArray());
        var acked = new HashSet<(string, long)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
                acked.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        return batch.Select(b => acked.Contains((b.JobId, b.Token))).ToList();
    }

    /// <summary>
    /// Gives a leased job back uncounted (never started, or the node is stopping): waiting again
    /// at once, with an outbox row so it gets a fresh message.
    /// </summary>
    public Task<bool> ReleaseAsync(string jobId, long token, CancellationToken cancellationToken) => PostgresStore.Guard(async () =>
    {
        await using var command = Db.CreateCommand($"""
            WITH j AS (
                UPDATE jobs SET status = {JobSql.Release.To}, attempt = attempt - 1, lease_expires = NULL,
                    started_at = CASE WHEN attempt <= 1 THEN NULL ELSE started_at END,
                    node = CASE WHEN attempt <= 1 THEN NULL ELSE node END
                WHERE id = $1 AND lease_token = $2 AND status = {JobSql.Release.From}
                RETURNING id, function, run_at),
            o AS (INSERT INTO outbox (job_id, function, due_at) SELECT id, function, least(run_at, fjord_now_ms()) FROM j
                  ON CONFLICT (job_id) DO UPDATE SET due_at = excluded.due_at, claim = NULL, claimed_until = 0)
            SELECT count(*) FROM j
            """).Arg(jobId).Arg(token);
        return await command.ExecuteScalarAsync(cancellationToken) is long n && n > 0;
    });
}
