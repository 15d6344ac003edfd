namespace Fjord.Core.Nodes;

/// <summary>Heartbeats of every Fjord process, in the store all of them share (SQLite for `fjord up`, PostgreSQL for a cluster).</summary>
public interface INodeStore
{
    /// <summary>
    /// Writes the node's row (insert or replace) stamped with the store's clock, and forgets
    /// nodes silent for longer than <see cref="NodeHeartbeat.ForgetAfter"/>: one write per node per beat.
    /// </summary>
    Task BeatAsync(NodeReport report, CancellationToken cancellationToken);

    /// <summary>Every remembered node, by id; alive when its last beat is younger than <paramref name="silentAfter"/> on the store's clock.</summary>
    Task<IReadOnlyList<NodeRecord>> ListNodesAsync(TimeSpan silentAfter, CancellationToken cancellationToken);
}
