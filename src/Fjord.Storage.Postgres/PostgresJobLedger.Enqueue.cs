using System.Diagnostics;
using Fjord.Core.Jobs;
using Fjord.Core.Ledger;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Npgsql;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresJobLedger
{
    // One statement stores the jobs and their outbox rows: both or neither. Jobs due now get
    // an outbox row claimed by this caller (it publishes them at once and deletes the rows);
    // scheduled ones get an unclaimed row the relay publishes when due.
    private const string InsertSql = $"""
        WITH input AS (
            SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::bigint[], $5::bigint[], $6::boolean[], $7::text[], $8::text[], $9::bytea[], $12::text[], $13::text[])
                AS t(id, function, max_attempts, created_at, run_at, sync, content_type, callback_url, payload, trace, trigger_info)),
        ins AS (
            INSERT INTO jobs (id, function, status, max_attempts, created_at, run_at, sync, content_type, callback_url, payload, trace, trigger_info)
            SELECT id, function,
                   CASE WHEN coalesce(run_at, 0) > fjord_now_ms() THEN {JobSql.EnqueueLater.To} ELSE {JobSql.Enqueue.To} END,
                   max_attempts, created_at, greatest(coalesce(run_at, 0), fjord_now_ms()), sync, content_type, callback_url, payload, trace, trigger_info
            FROM input
            RETURNING id, function, run_at, status)
        INSERT INTO outbox (job_id, function, due_at, claim, claimed_until)
        SELECT id, function, run_at,
               CASE WHEN status = {JobSql.Enqueue.To} THEN $10 END,
               CASE WHEN status = {JobSql.Enqueue.To} THEN fjord_now_ms() + $11 ELSE 0 END
        FROM ins
        RETURNING job_id, function, claim IS NOT NULL
        """;

    private const string KeySql = """
        INSERT INTO idempotency (function, key, job_id, created_at) VALUES ($1, $2, $3, fjord_now_ms() + $5)
        ON CONFLICT (function, key) DO UPDATE SET job_id = excluded.job_id, created_at = excluded.created_at
            WHERE idempotency.created_at < fjord_now_ms() - $4
        RETURNING job_id
        """;

    /// <summary>
    /// Stores all of <paramref name="jobs"/> or none, each with its outbox row. When this returns
    /// the jobs are committed: none can be lost any more, because the outbox outlives any crash.
    /// </summary>
    /// <exception cref="QueueFullException">The function's queue is at its maxQueueDepth (approximate across nodes: counted once a second).</exception>
    /// <exception cref="StoreUnavailableException">PostgreSQL did not confirm the commit.</exception>
    public Task<LedgerEnqueue> EnqueueAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return PostgresStore.Guard(() => EnqueueCoreAsync(jobs, cancellationToken));
    }

    private async Task<LedgerEnqueue> EnqueueCoreAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        if (!jobs.Any(j => j.IdempotencyKey is not null))
        {
            // No key to take: the jobs are one INSERT, shared with whatever other requests are
            // waiting for the previous one to commit (one flush for all of them).
            await CheckDepthsAsync(jobs, cancellationToken);
            var (claim, publish) = await _inserts.RunAsync(jobs);
            CountAdded(jobs);
            return new LedgerEnqueue(jobs.Select(j => new EnqueuedJob(j.Id, Existing: false)).ToArray(), publish, claim);
        }
        return await EnqueueKeyedAsync(jobs, cancellationToken);
    }

    /// <summary>A key and the job it names commit in one transaction, so they run alone.</summary>
    private async Task<LedgerEnqueue> EnqueueKeyedAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        var claim = OutboxClaims.New();
        var results = new EnqueuedJob[jobs.Count];
        await using var connection = await Db.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var fresh = new List<NewJob>(jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            var job = jobs[i];
            if (job.IdempotencyKey is { } key && await UseKeyAsync(connection, job, key, cancellationToken) is { } existing)
            {
                results[i] = new EnqueuedJob(existing, Existing: true);
                continue;
            }
            results[i] = new EnqueuedJob(job.Id, Existing: false);
            fresh.Add(job);
        }

        await CheckDepthsAsync(fresh, cancellationToken);
        var due = fresh.Count > 0 ? await InsertAsync(connection, fresh, claim, cancellationToken) : [];
        await transaction.CommitAsync(cancellationToken);
        CountAdded(fresh);
        return new LedgerEnqueue(results, fresh.Where(j => due.Contains(j.Id)).Select(j => new OutboxItem(j.Id, j.Function)).ToList(), claim);
    }

    /// <summary>One batch of <see cref="_inserts"/>: every caller's jobs in one statement, under one outbox claim.</summary>
    private async Task<IReadOnlyList<(long Claim, IReadOnlyList<OutboxItem> Publish)>> InsertBatchAsync(IReadOnlyList<IReadOnlyList<NewJob>> batch)
    {
        var claim = OutboxClaims.New();
        var all = batch.Count == 1 ? batch[0] : batch.SelectMany(jobs => jobs).ToList();
        HashSet<string> due;
        await using (var connection = await Db.OpenConnectionAsync())
            due = await InsertAsync(connection, all, claim, CancellationToken.None);
        return batch.Select(jobs => (claim, (IReadOnlyList<OutboxItem>)jobs.Where(j => due.Contains(j.Id)).Select(j => new OutboxItem(j.Id, j.Function)).ToList())).ToList();
    }

    /// <summary>Inserts the jobs and their outbox rows; returns the ids due now (their rows carry <paramref name="claim"/>).</summary>
    private async Task<HashSet<string>> InsertAsync(NpgsqlConnection connection, IReadOnlyList<NewJob> jobs, long claim, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(InsertSql, connection)
            .Arg(jobs.Select(j => j.Id).ToArray())
            .Arg(jobs.Select(j => j.Function).ToArray())
            .Arg(jobs.Select(j => j.MaxAttempts).ToArray())
            .Arg(jobs.Select(j => UnixMs.From(j.CreatedAt)).ToArray())
            .Arg(jobs.Select(j => j.RunAt is { } at ? UnixMs.From(at) : (long?)null).ToArray())
            .Arg(jobs.Select(j => j.Sync).ToArray())
            .Arg(jobs.Select(j => j.ContentType).ToArray())
            .Arg(jobs.Select(j => j.CallbackUrl).ToArray())
            .Arg(jobs.Select(j => Payloads.AsArray(j.Payload)).ToArray())
            .Arg(claim)
            .Arg((long)_store.Options.InlinePublishClaim.TotalMilliseconds)
            .Arg(jobs.Select(j => j.Trace).ToArray())
            .Arg(jobs.Select(j => JobTrigger.Pack(j.Trigger)).ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var due = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (reader.GetBoolean(2))
                due.Add(reader.GetString(0));
        }
        return due;
    }

    private async Task CheckDepthsAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        foreach (var group in jobs.GroupBy(j => j.Function, StringComparer.Ordinal))
            await CheckDepthAsync(group.Key, group.Count(), cancellationToken);
    }

    private void CountAdded(IReadOnlyList<NewJob> jobs)
    {
        foreach (var group in jobs.GroupBy(j => j.Function, StringComparer.Ordinal))
        {
            if (_depths.TryGetValue(group.Key, out var entry))
                Interlocked.Add(ref entry.Count, group.Count());
        }
    }

    /// <summary>Claims the key for this job, or returns the id of the job that holds it (used within 24 h).</summary>
    private static async Task<string?> UseKeyAsync(NpgsqlConnection connection, NewJob job, string key, CancellationToken cancellationToken)
    {
        // Two requests with one key: the second waits on the first's row lock, then sees a live
        // key and takes the earlier id. Only an expired key is overwritten.
        await using (var insert = new NpgsqlCommand(KeySql, connection)
            .Arg(job.Function).Arg(key).Arg(job.Id).Arg((long)IdempotencyKeys.Lifetime.TotalMilliseconds)
            .Arg(IdempotencyKeys.ExtraMilliseconds(job.IdempotencyLifetime)))
        {
            if (await insert.ExecuteScalarAsync(cancellationToken) is string)
                return null;
        }
        await using var find = new NpgsqlCommand("SELECT job_id FROM idempotency WHERE function = $1 AND key = $2", connection).Arg(job.Function).Arg(key);
        return await find.ExecuteScalarAsync(cancellationToken) as string;
    }

    private async Task CheckDepthAsync(string function, int adding, CancellationToken cancellationToken)
    {
        if (await GetFunctionAsync(function, cancellationToken) is not { } settings)
            return;
        var entry = _depths.GetOrAdd(function, _ => new DepthEntry());
        var now = Stopwatch.GetTimestamp();
        if (Stopwatch.GetElapsedTime(Volatile.Read(ref entry.At), now) >= CacheFor)
        {
            await using var count = Db.CreateCommand($"SELECT count(*) FROM jobs WHERE function = $1 AND status IN ({JobSql.Waiting})").Arg(function);
            Volatile.Write(ref entry.Count, (long)(await count.ExecuteScalarAsync(cancellationToken) ?? 0L));
            Volatile.Write(ref entry.At, now);
        }
        if (Volatile.Read(ref entry.Count) + adding > settings.Spec.MaxQueueDepth)
            throw new QueueFullException(function);
    }
}
