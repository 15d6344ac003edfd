using Fjord.Core.Nodes;
using Prometheus;

namespace Fjord.Gateway.Metrics;

/// <summary>
/// Host figures of nodes, labelled by node: on a gateway every live node (from the heartbeats in
/// the store, refreshed per scrape), on a worker's own metrics port the worker itself. Nodes that
/// died or left are removed, so a dashboard does not keep their last values.
/// </summary>
public sealed class NodeGauges
{
    private readonly Gauge _steal;
    private readonly Gauge _busy;
    private readonly Gauge _memAvailable;
    private readonly Gauge _diskFree;
    private readonly object _gate = new();
    private HashSet<string> _known = new(StringComparer.Ordinal);

    public NodeGauges(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _steal = factory.CreateGauge("fjord_node_cpu_steal_ratio", "CPU time stolen by the hypervisor over the last heartbeat interval, as a fraction of the machine.", ["node"]);
        _busy = factory.CreateGauge("fjord_node_cpu_busy_ratio", "CPU busy (user, system, irq) over the last heartbeat interval, as a fraction of the machine.", ["node"]);
        _memAvailable = factory.CreateGauge("fjord_node_memory_available_bytes", "Memory available on the node's host (MemAvailable).", ["node"]);
        _diskFree = factory.CreateGauge("fjord_node_disk_free_bytes", "Free space on the disk of the node's data folder.", ["node"]);
    }

    public void Set(IEnumerable<NodeReport> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        lock (_gate)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var node in nodes)
            {
                seen.Add(node.Id);
                _steal.WithLabels(node.Id).Set(node.Host.CpuSteal);
                _busy.WithLabels(node.Id).Set(node.Host.CpuBusy);
                _memAvailable.WithLabels(node.Id).Set(node.Host.MemAvailableBytes);
                _diskFree.WithLabels(node.Id).Set(node.Host.DiskFreeBytes);
            }
            foreach (var gone in _known)
            {
                if (seen.Contains(gone))
                    continue;
                _steal.RemoveLabelled(gone);
                _busy.RemoveLabelled(gone);
                _memAvailable.RemoveLabelled(gone);
                _diskFree.RemoveLabelled(gone);
            }
            _known = seen;
        }
    }
}
