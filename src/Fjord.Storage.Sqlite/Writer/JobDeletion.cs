using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// What goes with a deleted job: its attempts (and their logs), its callbacks and their tries;
/// and the tombstone, the creation time of the newest job ever deleted, which lets
/// <c>GET /v1/jobs/{id}</c> tell "expired" from "never existed". Running totals stay: they count
/// what happened. An idempotency key naming a deleted job keeps naming it until its own 24 h
/// are up, so a client repeating the key still does not create a second job.
/// </summary>
internal static class JobDeletion
{
    public const string MarkKey = "deleted_through_ms";

    private static readonly SqlText Attempts = new("DELETE FROM attempts WHERE job_id IN (SELECT value FROM json_each($ids))");
    private static readonly SqlText Callbacks = new("DELETE FROM callbacks WHERE job_id IN (SELECT value FROM json_each($ids))");
    private static readonly SqlText Tries = new("DELETE FROM callback_tries WHERE job_id IN (SELECT value FROM json_each($ids))");
    private static readonly SqlText Mark = new($"""
        INSERT INTO meta (key, value) VALUES ('{MarkKey}', $ms)
        ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)
        """);

    /// <summary>Deletes the history of <paramref name="ids"/>, whose job rows the caller just deleted.</summary>
    public static void DeleteHistory(WriteContext context, List<string> ids)
    {
        if (ids.Count == 0)
            return;
        // Ids are 32 hex digits (checked at intake), so plain joining makes valid JSON.
        var json = "[\"" + string.Join("\",\"", ids) + "\"]";
        context.Sql[Attempts].Set("$ids", json).Run();
        context.Sql[Callbacks].Set("$ids", json).Run();
        context.Sql[Tries].Set("$ids", json).Run();
        long newest = 0;
        foreach (var id in ids)
            newest = Math.Max(newest, RetentionChunks.CreatedMs(id) ?? 0);
        if (newest > 0)
            context.Sql[Mark].Set("$ms", newest).Run();
    }
}

/// <summary>Deletes one chunk of a function's jobs that ended in one state before a time (retention, <c>jobs purge</c>).</summary>
internal sealed class DeleteEndedOp(EndedJobFilter filter, int limit) : WriteOp<int>
{
    // "status >= 3" (LowestEnded, a constant in the text) lets SQLite use the partial index jobs_ended.
    private static readonly SqlText Sql = new($"""
        DELETE FROM jobs WHERE rowid IN (
            SELECT rowid FROM jobs WHERE function = $function AND status = $status AND finished_at < $before AND status >= {JobSql.LowestEnded} LIMIT $limit)
        RETURNING id
        """);

    // Deleting promises nothing to anyone (lost in a crash, the next sweep deletes again).
    public override bool Durable => false;

    public override int Weight => limit;

    public override void Execute(WriteContext context)
    {
        var ids = new List<string>();
        using (var reader = context.Sql[Sql]
            .Set("$function", filter.Function)
            .Set("$status", (int)filter.Status)
            .Set("$before", UnixMs.From(filter.FinishedBefore))
            .Set("$limit", limit)
            .Read())
        {
            while (reader.Read())
                ids.Add(reader.GetString(0));
        }
        JobDeletion.DeleteHistory(context, ids);
        Result = ids.Count;
    }
}
