namespace Fjord.Core.Storage;

/// <summary>
/// The read side: queue depths and totals for /v1/queues, /metrics, the dashboard and `fjord top`.
/// The dispatcher never calls it (Sidekiq's api.rb rule), so a slow dashboard cannot slow delivery.
/// </summary>
public interface IJobMonitor
{
    Task<IReadOnlyList<QueueStats>> GetQueuesAsync(CancellationToken cancellationToken);
}

/// <summary>
/// Per function: jobs ready now, waiting for a time, running; and running totals since the store was created.
/// OldestReadyAgeMs: how long the oldest job that could run now has waited (0 when none): the
/// figure that says the pool is too small. RunningByNode: the running jobs by the node holding them.
/// </summary>
public sealed record QueueStats(string Name, long Ready, long Scheduled, long Running, long Succeeded, long Failed, bool Paused)
{
    public long OldestReadyAgeMs { get; init; }

    public IReadOnlyDictionary<string, long> RunningByNode { get; init; } = new Dictionary<string, long>();

    // Value equality over the map's contents too (a record compares a dictionary by reference).
    public bool Equals(QueueStats? other) =>
        other is not null && Name == other.Name && Ready == other.Ready && Scheduled == other.Scheduled && Running == other.Running
        && Succeeded == other.Succeeded && Failed == other.Failed && Paused == other.Paused && OldestReadyAgeMs == other.OldestReadyAgeMs
        && RunningByNode.Count == other.RunningByNode.Count
        && RunningByNode.All(kv => other.RunningByNode.TryGetValue(kv.Key, out var n) && n == kv.Value);

    public override int GetHashCode() => HashCode.Combine(Name, Ready, Scheduled, Running, Succeeded, Failed, Paused, OldestReadyAgeMs);
}

/// <summary>Shared by the stores' monitor queries: running rows arrive one per (function, node).</summary>
public static class QueueStatsRows
{
    public static QueueStats AddRunning(QueueStats row, string node, long running)
    {
        var byNode = new Dictionary<string, long>(row.RunningByNode, StringComparer.Ordinal) { [node] = running };
        return row with { Running = row.Running + running, RunningByNode = byNode };
    }
}
