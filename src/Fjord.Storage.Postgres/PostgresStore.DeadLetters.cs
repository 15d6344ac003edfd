using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Npgsql;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore : IDeadLetters
{
    /// <summary>How many dead letters one statement moves: large enough to be quick, small enough to hold few locks briefly.</summary>
    internal const int DeadLetterChunk = 1000;

    /// <summary>A dead letter's move back to waiting, shared by the single and the bulk retry so both make the same move.</summary>
    private const string RequeueSet = $"""
        status = {JobSql.RetryDeadLetter.To}, attempt = 0, run_at = fjord_now_ms(), requeued_at = fjord_now_ms(), finished_at = NULL, lease_expires = NULL,
        error_kind = NULL, error_message = NULL, error_exit_code = NULL
        """;

    /// <summary>The outbox row of each requeued job in <c>j</c>: the relay publishes it, so the job reaches the broker again.</summary>
    private const string RequeueOutbox = """
        INSERT INTO outbox (job_id, function, due_at) SELECT id, function, run_at FROM j
        ON CONFLICT (job_id) DO UPDATE SET due_at = excluded.due_at, claim = NULL, claimed_until = 0
        """;

    // The optional filters are typed parameters that match everything when null. SKIP LOCKED:
    // two bulk commands at once take disjoint chunks instead of waiting on each other.
    private const string DeadLetterWhere = $"""
        status = {JobSql.RetryDeadLetter.From} AND ($1::text IS NULL OR function = $1)
            AND ($2::text IS NULL OR error_kind = $2) AND ($3::bigint IS NULL OR finished_at >= $3)
        """;

    private const string Selection = $"SELECT id FROM jobs WHERE {DeadLetterWhere} LIMIT $4 FOR UPDATE SKIP LOCKED";

    private static readonly string RetryChunkSql = $"""
        WITH picked AS ({Selection}),
        j AS (UPDATE jobs SET {RequeueSet} FROM picked WHERE jobs.id = picked.id RETURNING jobs.id, jobs.function, jobs.run_at),
        o AS ({RequeueOutbox})
        SELECT count(*) FROM j
        """;

    private static readonly string PurgeChunkSql = $"""
        WITH picked AS ({Selection}),
        j AS (DELETE FROM jobs USING picked WHERE jobs.id = picked.id RETURNING jobs.id),
        {DeletedHistory}
        SELECT count(*) FROM j
        """;

    /// <summary>Chunk by chunk; each chunk is one statement, so a crash midway leaves whole jobs on either side.</summary>
    public Task<long> RetryDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken) =>
        InChunksAsync(RetryChunkSql, filter, cancellationToken);

    public Task<long> PurgeDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken) =>
        InChunksAsync(PurgeChunkSql, filter, cancellationToken);

    /// <summary>
    /// A chunk moves its jobs out of the selection (they are no longer dead letters), so the
    /// loop ends when a chunk comes back short, however many arrive meanwhile.
    /// </summary>
    private Task<long> InChunksAsync(string sql, DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return Guard(async () =>
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            long total = 0;
            while (true)
            {
                await using var command = new NpgsqlCommand(sql, connection)
                    .Arg(filter.Function)
                    .Arg(filter.ErrorKind?.ToString().ToLowerInvariant())
                    .Arg(filter.Since is { } since ? UnixMs.From(since) : (long?)null)
                    .Arg(DeadLetterChunk);
                var moved = (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
                total += moved;
                if (moved < DeadLetterChunk)
                    return total;
            }
        });
    }
}
