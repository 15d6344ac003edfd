namespace Fjord.Core.Queue;

/// <summary>The function's queue holds maxQueueDepth jobs; the caller should come back later (429).</summary>
public sealed class QueueFullException(string function, TimeSpan retryAfter)
    : Exception($"the queue of '{function}' is full")
{
    /// <summary>Full now: come back in 1 to 5 s, spread so refused callers do not all return at once.</summary>
    public QueueFullException(string function)
        : this(function, TimeSpan.FromSeconds(1 + Random.Shared.Next(5)))
    {
    }

    public string Function { get; } = function;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The store or broker could not confirm a write (disk full, I/O error, broker down): never answer 202 (503).</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// A payload the store will not keep: larger, as stored, than its limit (the Redis backend's
/// <c>--redis-max-body</c>). Nothing of the request was stored; permanent (413).
/// </summary>
public sealed class PayloadTooLargeException(string message) : Exception(message);
