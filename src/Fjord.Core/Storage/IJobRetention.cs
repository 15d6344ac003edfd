using Fjord.Core.Jobs;

namespace Fjord.Core.Storage;

/// <summary>
/// Deletes ended jobs (succeeded, failed or canceled) with everything kept about them: record,
/// payload, result, attempts and their logs, callback rows and tries, and idempotency keys that
/// name them. One call deletes at most <c>limit</c> jobs in one short write, so a caller sweeping
/// millions loops (see <see cref="RetentionChunks"/>) and intake keeps its latency meanwhile.
/// </summary>
public interface IJobRetention
{
    /// <summary>Deletes up to <paramref name="limit"/> jobs of <paramref name="filter"/>; returns how many.</summary>
    Task<int> DeleteEndedAsync(EndedJobFilter filter, int limit, CancellationToken cancellationToken);

    /// <summary>The functions that have jobs stored, whether or not they are still deployed.</summary>
    Task<IReadOnlyList<string>> ListJobFunctionsAsync(CancellationToken cancellationToken);

    /// <summary>
    /// True when a job that is not found was most likely deleted by retention or a purge: its id
    /// (a UUIDv7) was made no later than the newest job ever deleted that way. The tombstone is
    /// that one number, not a row per job.
    /// </summary>
    Task<bool> WasDeletedAsync(string id, CancellationToken cancellationToken);
}

/// <summary>
/// Which ended jobs: of one function, in one end state, finished before a time. Always one
/// function, so the stores' (function, status, finished_at) index answers it without a scan;
/// every function is a loop over them (RetentionChunks).
/// </summary>
public sealed record EndedJobFilter(string Function, JobStatus Status, DateTimeOffset FinishedBefore)
{
    /// <summary>Statuses a filter may name: only ended jobs are ever deleted.</summary>
    public static bool Allows(JobStatus status) => status.IsTerminal();
}

/// <summary>The loop every caller of <see cref="IJobRetention.DeleteEndedAsync"/> runs.</summary>
public static class RetentionChunks
{
    /// <summary>
    /// Jobs per write: a chunk's delete (rows, overflow pages of payloads, index entries) stays
    /// a few milliseconds, so an intake sharing the writer waits at most that long.
    /// </summary>
    public const int Size = 500;

    /// <summary>
    /// Deletes the ended jobs in <paramref name="status"/> finished before <paramref name="before"/>,
    /// of <paramref name="function"/> or (null) of every function that has jobs.
    /// </summary>
    public static async Task<long> DeleteAllAsync(IJobRetention store, string? function, JobStatus status, DateTimeOffset before, TimeSpan pause, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var functions = function is null ? await store.ListJobFunctionsAsync(cancellationToken).ConfigureAwait(false) : [function];
        long total = 0;
        foreach (var name in functions)
            total += await DeleteChunksAsync(store, new EndedJobFilter(name, status, before), pause, cancellationToken).ConfigureAwait(false);
        return total;
    }

    /// <summary>Deletes chunk after chunk until one comes back short; pauses (or yields) between chunks so intake writes interleave.</summary>
    public static async Task<long> DeleteChunksAsync(IJobRetention store, EndedJobFilter filter, TimeSpan pause, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        long total = 0;
        while (true)
        {
            var deleted = await store.DeleteEndedAsync(filter, Size, cancellationToken).ConfigureAwait(false);
            total += deleted;
            if (deleted < Size)
                return total;
            if (pause > TimeSpan.Zero)
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            else
                await Task.Yield();
        }
    }

    /// <summary>
    /// The functions that have jobs, as standard SQL both stores run: a loose index scan of their
    /// (function, id) index, one probe per function ("the first name after the last") instead of
    /// a pass over every job.
    /// </summary>
    public const string JobFunctionsSql = """
        WITH RECURSIVE f(name) AS (
            SELECT min(function) FROM jobs
            UNION ALL
            SELECT (SELECT min(function) FROM jobs WHERE function > f.name) FROM f WHERE f.name IS NOT NULL)
        SELECT name FROM f WHERE name IS NOT NULL
        """;

    /// <summary>The creation time (Unix ms) a UUIDv7 job id carries in its first 48 bits; null for anything else.</summary>
    public static long? CreatedMs(string id) =>
        JobId.IsValid(id) && long.TryParse(id.AsSpan(0, 12), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var ms)
            ? ms
            : null;
}
