using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>The WHERE of a dead-letter filter; the partial index jobs_failed keeps it to dead letters only.</summary>
internal static class DeadLetterSelection
{
    // The status is a constant in the text (never a parameter) so SQLite can use the partial
    // index; the optional filters are parameters that match everything when null.
    public const string Where = $"""
        status = {JobSql.RetryDeadLetter.From} AND ($function IS NULL OR function = $function)
        AND ($kind IS NULL OR error_kind = $kind) AND ($since IS NULL OR finished_at >= $since)
        """;

    public static Statement Bind(Statement statement, DeadLetterFilter filter, int limit) => statement
        .Set("$function", filter.Function)
        .Set("$kind", filter.ErrorKind?.ToString().ToLowerInvariant())
        .Set("$since", filter.Since is { } since ? UnixMs.From(since) : null)
        .Set("$limit", limit);
}

/// <summary>
/// Retries one chunk of the dead letters a filter names. Each job makes the same move as
/// <see cref="RetryJobOp"/>: queued now, fresh attempt budget, history kept. Chunks keep one
/// write group short, so intake keeps its latency while thousands of jobs come back.
/// </summary>
internal sealed class RetryDeadLettersOp(DeadLetterFilter filter, int limit) : WriteOp<int>
{
    private static readonly SqlText Sql = new($"""
        UPDATE jobs SET status = {JobSql.RetryDeadLetter.To}, attempt = 0, run_at = $now, requeued_at = $now, finished_at = NULL, lease_expires = NULL,
            error_kind = NULL, error_message = NULL, error_exit_code = NULL
        WHERE rowid IN (SELECT rowid FROM jobs WHERE {DeadLetterSelection.Where} LIMIT $limit)
        RETURNING function
        """);

    public override bool Durable => true;

    public override int Weight => limit;

    public override void Execute(WriteContext context)
    {
        var count = 0;
        using (var reader = DeadLetterSelection.Bind(context.Sql[Sql], filter, limit).Set("$now", context.Now).Read())
        {
            while (reader.Read())
            {
                JobWrites.Waiting(context, reader.GetString(0), context.Now);
                count++;
            }
        }
        Result = count;
    }
}

/// <summary>
/// Deletes one chunk of the dead letters a filter names, with their history (<see cref="JobDeletion"/>).
/// </summary>
internal sealed class PurgeDeadLettersOp(DeadLetterFilter filter, int limit) : WriteOp<int>
{
    private static readonly SqlText Sql = new($"""
        DELETE FROM jobs WHERE rowid IN (SELECT rowid FROM jobs WHERE {DeadLetterSelection.Where} LIMIT $limit)
        RETURNING id
        """);

    public override bool Durable => true;

    public override int Weight => limit;

    public override void Execute(WriteContext context)
    {
        var ids = new List<string>();
        using (var reader = DeadLetterSelection.Bind(context.Sql[Sql], filter, limit).Read())
        {
            while (reader.Read())
                ids.Add(reader.GetString(0));
        }
        JobDeletion.DeleteHistory(context, ids);
        Result = ids.Count;
    }
}
