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
        var workers = new Dictionary<string, int>(StringComparer.Ordinal);
        if (local is not null)
        {
            foreach (var (function, pool) in local.Pools)
                workers[function] = pool.Workers;
        }
        if (nodes is null)
            return workers;
        foreach (var node in await nodes.ListNodesAsync(NodeHeartbeat.SilentAfter(NodeHeartbeat.DefaultInterval), cancellationToken))
        {
            if (!node.Alive || (local is not null && node.Report.Id == local.Node))
                continue;
            foreach (var slot in node.Report.Slots)
                workers[slot.Function] = workers.GetValueOrDefault(slot.Function) + slot.Total;
        }
        return workers;
    }
}
