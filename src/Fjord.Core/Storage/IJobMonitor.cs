using System.Data.Common;
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
    /// <summary>
    /// Folds one row of a store's monitor query into <paramref name="rows"/>. The query is a
    /// UNION whose column 7 says what the row is: 0 waiting (1 ready, 2 scheduled, 8 oldest ready
    /// age), 1 running on the node in 9 (count in 3), 2 totals (4 succeeded, 5 failed), 3 paused (6).
    /// </summary>
    public static void Add(SortedDictionary<string, QueueStats> rows, DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(reader);
        var name = reader.GetString(0);
        var row = rows.TryGetValue(name, out var seen) ? seen : new QueueStats(name, 0, 0, 0, 0, 0, false);
        rows[name] = reader.GetInt32(7) switch
        {
            0 => row with { Ready = reader.GetInt64(1), Scheduled = reader.GetInt64(2), OldestReadyAgeMs = Math.Max(0, reader.GetInt64(8)) },
            1 => AddRunning(row, reader.IsDBNull(9) ? "" : reader.GetString(9), reader.GetInt64(3)),
            2 => row with { Succeeded = reader.GetInt64(4), Failed = reader.GetInt64(5) },
            _ => row with { Paused = reader.GetBoolean(6) },
        };
    }

    public static QueueStats AddRunning(QueueStats row, string node, long running)
    {
        var byNode = new Dictionary<string, long>(row.RunningByNode, StringComparer.Ordinal) { [node] = running };
        return row with { Running = row.Running + running, RunningByNode = byNode };
    }
}
