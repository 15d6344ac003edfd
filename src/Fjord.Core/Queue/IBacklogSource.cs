namespace Fjord.Core.Queue;

/// <summary>
/// What an elastic pool's scaler may ask a queue about waiting work: how many jobs of a function
/// are ready and how long the oldest has waited. Asked a few times a second per node, only for
/// pools that are saturated or at zero (a pool with an idle process has its fetch parked, so it
/// has no ready backlog), never per job: the dispatch path does not change.
/// </summary>
public interface IBacklogSource
{
    /// <summary>Ready (due, not paused) jobs per function, counted up to <paramref name="cap"/>, and the oldest one's age.</summary>
    Task<IReadOnlyDictionary<string, Backlog>> GetBacklogAsync(IReadOnlyCollection<string> functions, int cap, CancellationToken cancellationToken);

    /// <summary>
    /// Hears, after a commit, the functions that just got work due now (an enqueue, a retry, a
    /// resume), so a pool at zero starts a process at once instead of at its next look. Called on
    /// the queue's own thread: the listener must only signal, never block.
    /// </summary>
    void ListenForWork(Action<string> listener);
}

/// <summary>Ready jobs of one function (capped) and how long the oldest of them has waited.</summary>
public readonly record struct Backlog(long Ready, TimeSpan OldestAge)
{
    public static readonly Backlog None = new(0, TimeSpan.Zero);
}
