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
}

/// <summary>Which dead letters: of one function, failed with one error kind, failed at or after a time. Null matches all.</summary>
public sealed record DeadLetterFilter(string? Function = null, ErrorKind? ErrorKind = null, DateTimeOffset? Since = null);
