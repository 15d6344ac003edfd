namespace Fjord.Core.Queue;

/// <summary>The function's queue holds maxQueueDepth jobs; the caller should come back later (429).</summary>
public sealed class QueueFullException(string function, TimeSpan retryAfter)
    : Exception($"the queue of '{function}' is full")
{
    public string Function { get; } = function;
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>The store or broker could not confirm a write (disk full, I/O error, broker down): never answer 202 (503).</summary>
public sealed class StoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
