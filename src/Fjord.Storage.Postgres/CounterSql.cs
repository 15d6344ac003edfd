namespace Fjord.Storage.Postgres;

/// <summary>The statement fragment every write that ends a job shares: adding it to the function's totals.</summary>
internal static class CounterSql
{
    /// <summary>
    /// How many rows a function's totals are spread over. One row per function made every
    /// completion of the function wait for the previous one's commit: the upsert's row lock is
    /// held through the WAL flush, so eight slots finished one job per flush (sampled in
    /// pg_stat_activity: most completions waiting on Lock:transactionid). A connection serves one
    /// transaction at a time, so keying the row by its backend lets concurrent completions
    /// (different pooled connections) touch different rows; the monitor sums them.
    /// </summary>
    public const int Shards = 16;

    /// <summary>
    /// The body of a CTE adding <paramref name="succeeded"/> and <paramref name="failed"/> (SQL
    /// expressions over <paramref name="source"/>, grouped by function) to the totals.
    /// </summary>
    public static string Add(string source, string succeeded, string failed, string where = "true") => $"""
        INSERT INTO counters (function, shard, succeeded, failed)
        SELECT function, pg_backend_pid() % {Shards}, {succeeded}, {failed} FROM {source} WHERE {where} GROUP BY function
        ON CONFLICT (function, shard) DO UPDATE SET succeeded = counters.succeeded + excluded.succeeded, failed = counters.failed + excluded.failed
        """;
}
