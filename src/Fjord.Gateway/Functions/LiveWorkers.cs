using Fjord.Core.Nodes;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Functions;

/// <summary>
/// Function processes up across the cluster, per function: the heartbeats of every live worker
/// node, with this process's own pools (when it runs any) read live instead of from its last
/// beat. So `workers` in /v1/queues means the same on `fjord up` and on a stand-alone gateway.
/// </summary>
internal sealed class LiveWorkers(INodeStore? nodes, IWorkerStatus? local)
{
    public async Task<IReadOnlyDictionary<string, int>> PerFunctionAsync(CancellationToken cancellationToken)
    {
        var scaling = await ScalingAsync(cancellationToken);
        return scaling.ToDictionary(kv => kv.Key, kv => kv.Value.Workers, StringComparer.Ordinal);
    }

    /// <summary>
    /// Per function: processes up, processes wanted (summed over the live nodes, like workers)
    /// and the latest scaling reason of one of them (this node's own first).
    /// </summary>
    public async Task<IReadOnlyDictionary<string, PoolScaling>> ScalingAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, PoolScaling>(StringComparer.Ordinal);
        if (local is not null)
        {
            foreach (var (function, pool) in local.Pools)
                result[function] = new PoolScaling(pool.Workers, pool.Desired, pool.Reason);
        }
        if (nodes is null)
            return result;
        foreach (var node in await nodes.ListNodesAsync(NodeHeartbeat.SilentAfter(NodeHeartbeat.DefaultInterval), cancellationToken))
        {
            if (!node.Alive || (local is not null && node.Report.Id == local.Node))
                continue;
            foreach (var slot in node.Report.Slots)
            {
                var seen = result.GetValueOrDefault(slot.Function);
                result[slot.Function] = new PoolScaling(
                    (seen?.Workers ?? 0) + slot.Total,
                    (seen?.Desired ?? 0) + (slot.Desired ?? slot.Total),
                    seen?.Reason ?? slot.Reason);
            }
        }
        return result;
    }
}

/// <summary>A function's pools across the live nodes: processes up and wanted, and a scaling reason.</summary>
internal sealed record PoolScaling(int Workers, int Desired, string? Reason);
