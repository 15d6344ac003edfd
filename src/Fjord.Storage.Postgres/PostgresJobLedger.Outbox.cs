using Fjord.Core.Jobs;
using Fjord.Core.Ledger;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresJobLedger
{
    /// <summary>
    /// Takes up to <paramref name="limit"/> due outbox rows no one is publishing (or whose
    /// publisher went quiet past its claim), marking them with <paramref name="claim"/>.
    /// SKIP LOCKED lets relays on every node share the work without waiting on each other.
    /// </summary>
    public Task<IReadOnlyList<OutboxItem>> TakeOutboxAsync(long claim, int limit, TimeSpan claimFor, CancellationToken cancellationToken) =>
        PostgresStore.Guard<IReadOnlyList<OutboxItem>>(async () =>
        {
            await using var command = Db.CreateCommand("""
                UPDATE outbox SET claim = $1, claimed_until = fjord_now_ms() + $3
                WHERE job_id IN (SELECT job_id FROM outbox WHERE due_at <= fjord_now_ms() AND claimed_until < fjord_now_ms()
                                 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED)
                RETURNING job_id, function
                """).Arg(claim).Arg(limit).Arg((long)claimFor.TotalMilliseconds);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var items = new List<OutboxItem>();
            while (await reader.ReadAsync(cancellationToken))
                items.Add(new OutboxItem(reader.GetString(0), reader.GetString(1)));
            return items;
        });

    /// <summary>
    /// After the broker confirmed the messages: deletes the rows, but only those still carrying
    /// <paramref name="claim"/>. A row rewritten meanwhile (the job ran, failed and was
    /// scheduled again) belongs to the new transition and stays. Commits without waiting for
    /// the WAL flush: a lost delete means only a duplicate message, which its claim drops.
    /// </summary>
    public Task OutboxDoneAsync(long claim, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        jobIds.Count == 0 ? Task.CompletedTask : PostgresStore.Guard(() => _outboxDone.RunAsync((claim, jobIds)));

    /// <summary>One batch of <see cref="_outboxDone"/>: the confirmed rows of every waiting caller, one delete.</summary>
    private async Task<IReadOnlyList<bool>> OutboxDoneBatchAsync(IReadOnlyList<(long Claim, IReadOnlyList<string> JobIds)> batch)
    {
        var ids = batch.SelectMany(b => b.JobIds).ToArray();
        var claims = batch.SelectMany(b => b.JobIds.Select(_ => b.Claim)).ToArray();
        await using var command = Db.CreateCommand($"""
            WITH {Sql.NoFlush}
            DELETE FROM outbox WHERE job_id = ANY($1::text[]) AND claim = ($2::bigint[])[array_position($1::text[], job_id)]
                AND (SELECT true FROM no_flush)
            """).Arg(ids).Arg(claims);
        await command.ExecuteNonQueryAsync();
        return batch.Select(_ => true).ToList();
    }

    /// <summary>Publishing failed: frees the rows at once for the next relay round instead of waiting out the claim.</summary>
    public Task OutboxFailedAsync(long claim, IReadOnlyList<string> jobIds, CancellationToken cancellationToken) =>
        OutboxWrite("UPDATE outbox SET claim = NULL, claimed_until = 0 WHERE job_id = ANY($1) AND claim = $2", claim, jobIds, cancellationToken);

    private Task OutboxWrite(string sql, long claim, IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
    {
        if (jobIds.Count == 0)
            return Task.CompletedTask;
        return PostgresStore.Guard(async () =>
        {
            await using var command = Db.CreateCommand(sql).Arg(jobIds.ToArray()).Arg(claim);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    /// <summary>How many outbox rows wait (due or not): for tests and the relay's own metrics.</summary>
    public async Task<long> OutboxCountAsync(CancellationToken cancellationToken)
    {
        await using var command = Db.CreateCommand("SELECT count(*) FROM outbox");
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    }

    /// <summary>
    /// Takes back running jobs whose lease ran out on the database clock (worker SIGKILLed, hung,
    /// or cut off from the database): the attempt is recorded as lost and counts, then the job
    /// waits again with an outbox row, or becomes a dead letter if that was its last attempt.
    /// Returns how many were taken back.
    /// </summary>
    public Task<long> ReapExpiredAsync(CancellationToken cancellationToken) => PostgresStore.Guard(async () =>
    {
        await using var command = Db.CreateCommand(ReapSql);
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    });

    /// <summary>
    /// Takes back one attempt that ran but whose completion could not be written: counted, with a
    /// lost attempt recorded, exactly as if its lease had run out (the embedded store's
    /// TakeBackRanOp). Never handed back uncounted: a job whose every completion fails would
    /// otherwise run forever. False when fenced (the job is no longer this lease's).
    /// </summary>
    public Task<bool> TakeBackRanAsync(string jobId, long token, CancellationToken cancellationToken) => PostgresStore.Guard(async () =>
    {
        await using var command = Db.CreateCommand(TakeBackRanSql).Arg(jobId).Arg(token);
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L) > 0;
    });

    private static readonly string ReapSql = TakeBackSql(
        $"SELECT id FROM jobs WHERE status = {JobSql.TakeBack.From} AND lease_expires < fjord_now_ms() ORDER BY lease_expires LIMIT 500 FOR UPDATE SKIP LOCKED",
        TakeBackReasons.LeaseExpired);

    private static readonly string TakeBackRanSql = TakeBackSql(
        $"SELECT id FROM jobs WHERE id = $1 AND lease_token = $2 AND status = {JobSql.TakeBack.From} FOR UPDATE",
        TakeBackReasons.OutcomeNotRecorded);

    /// <summary>One statement that takes back the running jobs <paramref name="picked"/> selects, recording <paramref name="reason"/> (a constant, never input).</summary>
    private static string TakeBackSql(string picked, string reason) => $"""
        WITH picked AS ({picked}),
        taken AS (
            UPDATE jobs SET
                status = CASE WHEN attempt >= max_attempts THEN {JobSql.TakeBackLast.To} ELSE {JobSql.TakeBack.To} END,
                finished_at = CASE WHEN attempt >= max_attempts THEN fjord_now_ms() END,
                run_at = CASE WHEN attempt >= max_attempts THEN run_at ELSE least(run_at, fjord_now_ms()) END,
                lease_expires = NULL, error_kind = 'crash', error_message = '{reason}', error_exit_code = NULL
            FROM picked WHERE jobs.id = picked.id
            RETURNING jobs.id, jobs.function, jobs.started_at, jobs.node, jobs.run_at, jobs.callback_url, jobs.status, jobs.attempt,
                jobs.error_kind, jobs.error_message, jobs.error_exit_code),
        cb AS ({CallbackSql.Queue("taken")}),
        a AS (INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, error_kind, error_message)
              SELECT id, attempt, coalesce(started_at, fjord_now_ms()), fjord_now_ms(), node, 'lost', 'crash', '{reason}' FROM taken),
        o AS (INSERT INTO outbox (job_id, function, due_at) SELECT id, function, run_at FROM taken WHERE status = {JobSql.TakeBack.To}
              ON CONFLICT (job_id) DO UPDATE SET due_at = excluded.due_at, claim = NULL, claimed_until = 0),
        c AS ({CounterSql.Add("taken", "0", "count(*)", $"status = {JobSql.TakeBackLast.To}")}),
        n AS (SELECT pg_notify('fjord_job_end', id) FROM taken WHERE status = {JobSql.TakeBackLast.To})
        SELECT (SELECT count(*) FROM taken) + 0 * (SELECT count(*) FROM n)
        """;
}
