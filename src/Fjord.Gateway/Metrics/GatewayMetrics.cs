using System.Collections.Concurrent;
using Fjord.Core.Nodes;
using Fjord.Core.Storage;
using Prometheus;

namespace Fjord.Gateway.Metrics;

/// <summary>
/// The gateway's Prometheus metrics in a registry of its own (not prometheus-net's static default),
/// so several gateways in one process do not share or collide. Queue gauges are refreshed from
/// the read side just before each scrape; intake counters are counted as requests come in.
/// </summary>
internal sealed class GatewayMetrics
{
    private readonly Counter _accepted;
    private readonly Counter _rejected;
    private readonly ConcurrentDictionary<string, Counter.Child> _acceptedByFunction = new(StringComparer.Ordinal);

    /// <param name="registry">Shared with a worker in the same process (`fjord up`), whose latency histograms then appear here; null makes one.</param>
    public GatewayMetrics(IJobMonitor monitor, IWorkerStatus? workers, INodeStore? nodes = null, CollectorRegistry? registry = null)
    {
        Registry = registry ?? Prometheus.Metrics.NewCustomRegistry();
        var factory = Prometheus.Metrics.WithCustomRegistry(Registry);
        _accepted = factory.CreateCounter("fjord_jobs_accepted_total", "Jobs stored durably by intake (answered 202).", "function");
        _rejected = factory.CreateCounter("fjord_intake_rejected_total", "Intake requests refused, by reason.", "function", "reason");
        var queues = new QueueGauges(factory, monitor, workers);
        Registry.AddBeforeCollectCallback(queues.RefreshAsync);
        if (nodes is not null)
        {
            var gauges = new NodeGauges(Registry);
            Registry.AddBeforeCollectCallback(async ct =>
            {
                var live = await nodes.ListNodesAsync(NodeHeartbeat.SilentAfter(NodeHeartbeat.DefaultInterval), ct);
                gauges.Set(live.Where(n => n.Alive).Select(n => n.Report));
            });
        }
    }

    public CollectorRegistry Registry { get; }

    public void Accepted(string function, int count)
    {
        // One cached child per function keeps the hot path free of label-array allocations.
        if (!_acceptedByFunction.TryGetValue(function, out var child))
            child = _acceptedByFunction.GetOrAdd(function, _accepted.WithLabels(function));
        child.Inc(count);
    }

    public void Rejected(string function, string reason) => _rejected.WithLabels(function, reason).Inc();
}
