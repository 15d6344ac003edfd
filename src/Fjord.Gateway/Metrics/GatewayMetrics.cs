using System.Collections.Concurrent;
using Fjord.Core.Nodes;
using Fjord.Core.Storage;
using Prometheus;

namespace Fjord.Gateway.Metrics;

/// <summary>
/// The gateway's Prometheus metrics in a registry of its own (not prometheus-net's static default),
/// so several gateways in one process do not share or collide. Queue gauges are refreshed from
/// the read side just before each scrape; intake counters are counted as requests come in.
/// Every <c>function</c> label names a function that exists (or existed and still has jobs):
/// callers pass a name only after looking the function up.
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
        Registry.AddBeforeCollectCallback(async ct =>
        {
            await queues.RefreshAsync(ct);
            Prune(queues.Known);
        });
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

    /// <summary>
    /// Counts a refused intake. <paramref name="function"/> is null when the URL named no existing
    /// function: those share the empty label, so requests to made-up names cannot grow the series.
    /// </summary>
    public void Rejected(string? function, string reason) => _rejected.WithLabels(function ?? "", reason).Inc();

    /// <summary>
    /// Drops the intake series of functions the read side no longer knows (deleted, and no jobs
    /// or totals left), as the queue gauges do, so label sets follow the functions that exist.
    /// </summary>
    private void Prune(IReadOnlySet<string> known)
    {
        foreach (var labels in _accepted.GetAllLabelValues())
        {
            if (known.Contains(labels[0]))
                continue;
            _acceptedByFunction.TryRemove(labels[0], out _);
            _accepted.RemoveLabelled(labels);
        }
        foreach (var labels in _rejected.GetAllLabelValues())
        {
            if (labels[0].Length > 0 && !known.Contains(labels[0]))
                _rejected.RemoveLabelled(labels);
        }
    }
}
