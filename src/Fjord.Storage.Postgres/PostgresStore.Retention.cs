using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore : IJobRetention
{
    private const string MarkKey = "deleted_through_ms";

    /// <summary>
    /// What goes with the jobs a statement deleted (in its CTE <c>j</c>): attempts, callbacks and
    /// their tries, and the tombstone (the creation time a UUIDv7 id carries in its first 48 bits,
    /// of the newest deleted job). Running totals stay: they count what happened. An idempotency
    /// key naming a deleted job keeps naming it until its 24 h are up, so a client repeating the
    /// key still does not create a second job.
    /// </summary>
    private const string DeletedHistory = $"""
        a AS (DELETE FROM attempts WHERE job_id IN (SELECT id FROM j)),
        c AS (DELETE FROM callbacks WHERE job_id IN (SELECT id FROM j)),
        t AS (DELETE FROM callback_tries WHERE job_id IN (SELECT id FROM j)),
        m AS (INSERT INTO fjord_meta (key, value)
              SELECT '{MarkKey}', max(('x' || lpad(left(id, 12), 16, '0'))::bit(64)::bigint) FROM j HAVING count(*) > 0
              ON CONFLICT (key) DO UPDATE SET value = GREATEST(fjord_meta.value, excluded.value))
        """;

    // One bounded statement: the index jobs_ended finds the chunk, SKIP LOCKED lets two
    // gateways' sweepers take disjoint chunks instead of waiting on each other.
    private static readonly string DeleteEndedSql = $"""
        WITH picked AS (SELECT id FROM jobs WHERE function = $1 AND status = $2 AND finished_at < $3 AND status >= {JobSql.LowestEnded}
                        LIMIT $4 FOR UPDATE SKIP LOCKED),
        j AS (DELETE FROM jobs USING picked WHERE jobs.id = picked.id RETURNING jobs.id),
        {DeletedHistory}
        SELECT count(*) FROM j
        """;

    public Task<int> DeleteEndedAsync(EndedJobFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!EndedJobFilter.Allows(filter.Status))
            throw new ArgumentException($"only ended jobs are deleted, not {filter.Status.ToWire()} ones", nameof(filter));
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand(DeleteEndedSql);
            command.Arg(filter.Function).Arg((short)filter.Status).Arg(UnixMs.From(filter.FinishedBefore)).Arg(limit);
            return (int)(long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
        });
    }

    /// <summary>A loose index scan of jobs_function (<see cref="RetentionChunks.JobFunctionsSql"/>).</summary>
    public Task<IReadOnlyList<string>> ListJobFunctionsAsync(CancellationToken cancellationToken) => Guard<IReadOnlyList<string>>(async () =>
    {
        await using var command = _dataSource.CreateCommand(RetentionChunks.JobFunctionsSql);
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            names.Add(reader.GetString(0));
        return names;
    });

    public async Task<bool> WasDeletedAsync(string id, CancellationToken cancellationToken)
    {
        if (RetentionChunks.CreatedMs(id) is not { } created)
            return false;
        return await Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand($"SELECT value FROM fjord_meta WHERE key = '{MarkKey}'");
            return await command.ExecuteScalarAsync(cancellationToken) is long mark && created <= mark;
        });
    }
}
