using Fjord.Core.Jobs;

namespace Fjord.Core.Storage;

/// <summary>
/// Dead letters in bulk: bring back or delete every failed job a filter names. Each job moves
/// exactly as <see cref="IJobStore.RetryAsync"/> moves one (atomically, history kept); a backend
/// may split a large selection into several writes, so a crash midway leaves some jobs moved and
/// the rest still dead letters, never a half-moved job.
/// </summary>
public interface IDeadLetters
{
    /// <summary>Requeues the failed jobs matching <paramref name="filter"/> with a fresh attempt budget; returns how many.</summary>
    Task<long> RetryDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken);

    /// <summary>Deletes the failed jobs matching <paramref name="filter"/> with their history; returns how many.</summary>
    Task<long> PurgeDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken);

    /// <summary>
    /// How many dead letters <paramref name="filter"/> names now (what a retry or purge would move):
    /// read from an index of the failed jobs only, never a count over every job.
    /// </summary>
    Task<long> CountDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken);

    /// <summary>The dead letters grouped by function and error kind, with counts and the latest failure: from the same index.</summary>
    Task<IReadOnlyList<DeadLetterGroup>> GroupDeadLettersAsync(CancellationToken cancellationToken);
}

/// <summary>Which dead letters: of one function, failed with one error kind, failed at or after a time. Null matches all.</summary>
public sealed record DeadLetterFilter(string? Function = null, ErrorKind? ErrorKind = null, DateTimeOffset? Since = null);

/// <summary>The dead letters of one function that failed with one error kind (null for a failure recorded without one).</summary>
public sealed record DeadLetterGroup(string Function, ErrorKind? ErrorKind, long Count, DateTimeOffset? LastFailedAt)
{
    /// <summary>The stores keep the kind as its lower-case wire name; anything else reads as none.</summary>
    public static ErrorKind? ParseKind(string? text) =>
        text is not null && Enum.TryParse<ErrorKind>(text, ignoreCase: true, out var kind) && Enum.IsDefined(kind) ? kind : null;

    /// <summary>A row of both stores' grouping query: function, error_kind, count, max(finished_at) in ms.</summary>
    public static DeadLetterGroup Read(System.Data.Common.DbDataReader row) => new(
        row.GetString(0),
        ParseKind(row.IsDBNull(1) ? null : row.GetString(1)),
        row.GetInt64(2),
        row.IsDBNull(3) ? null : UnixMs.To(row.GetInt64(3)));
}
