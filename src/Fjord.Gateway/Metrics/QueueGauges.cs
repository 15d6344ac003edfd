using Fjord.Core.Storage;
using Prometheus;

namespace Fjord.Gateway.Metrics;

/// <summary>
/// Per-function queue depths, totals and pool state, read from <see cref="IJobMonitor"/> and
/// <see cref="IWorkerStatus"/> when Prometheus scrapes. Label sets of functions that disappeared
/// are removed, so a deleted function does not linger in dashboards with its last values.
/// </summary>
internal sealed class QueueGauges
{
    private readonly IJobMonitor _monitor;
    private readonly IWorkerStatus? _workers;
    private readonly Gauge _ready;
    private readonly Gauge _scheduled;
    private readonly Gauge _running;
    private readonly Counter _succeeded;
    private readonly Counter _failed;
    private readonly Gauge _workerCount;
    private readonly Gauge _healthy;
    private readonly Gauge _paused;
    private readonly Gauge _oldest;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private HashSet<string> _known = new(StringComparer.Ordinal);

    public QueueGauges(IMetricFactory factory, IJobMonitor monitor, IWorkerStatus? workers)
    {
        _monitor = monitor;
        _workers = workers;
        _ready = factory.CreateGauge("fjord_queue_ready", "Jobs due now and waiting for a worker.", ["function"]);
        _scheduled = factory.CreateGauge("fjord_queue_scheduled", "Jobs waiting for their run time (delay or retry backoff).", ["function"]);
        _running = factory.CreateGauge("fjord_queue_running", "Jobs leased to a worker.", ["function"]);
        _succeeded = factory.CreateCounter("fjord_jobs_succeeded_total", "Jobs that succeeded, since the store was created.", ["function"]);
        _failed = factory.CreateCounter("fjord_jobs_failed_total", "Jobs dead-lettered, since the store was created.", ["function"]);
        _workerCount = factory.CreateGauge("fjord_workers", "Function processes up on this node.", ["function"]);
        _healthy = factory.CreateGauge("fjord_function_healthy", "1 when the function's pool on this node is healthy.", ["function"]);
        _paused = factory.CreateGauge("fjord_function_paused", "1 when dispatch of the function is paused.", ["function"]);
        _oldest = factory.CreateGauge("fjord_queue_oldest_ready_age_seconds", "How long the oldest job that could run now has waited (0 when none): the pool is too small when it grows.", ["function"]);
    }

    /// <summary>The functions of the latest refresh: deployed, or with jobs or totals in the store.</summary>
    public IReadOnlySet<string> Known => _known;

    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // Concurrent scrapes would race on the label bookkeeping; one refresh at a time is plenty.
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var queues = await _monitor.GetQueuesAsync(cancellationToken);
            var pools = _workers?.Pools;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var q in queues)
            {
                seen.Add(q.Name);
                _ready.WithLabels(q.Name).Set(q.Ready);
                _scheduled.WithLabels(q.Name).Set(q.Scheduled);
                _running.WithLabels(q.Name).Set(q.Running);
                _succeeded.WithLabels(q.Name).IncTo(q.Succeeded);
                _failed.WithLabels(q.Name).IncTo(q.Failed);
                _paused.WithLabels(q.Name).Set(q.Paused ? 1 : 0);
                _oldest.WithLabels(q.Name).Set(q.OldestReadyAgeMs / 1000.0);
                var pool = pools is not null && pools.TryGetValue(q.Name, out var p) ? p : null;
                _workerCount.WithLabels(q.Name).Set(pool?.Workers ?? 0);
                _healthy.WithLabels(q.Name).Set(pool is null || pool.Healthy ? 1 : 0);
            }
            foreach (var gone in _known)
            {
                if (!seen.Contains(gone))
                    Remove(gone);
            }
            _known = seen;
        }
        finally
        {
            _gate.Release();
        }
    }

    private void Remove(string function)
    {
        _ready.RemoveLabelled(function);
        _scheduled.RemoveLabelled(function);
        _running.RemoveLabelled(function);
        _succeeded.RemoveLabelled(function);
        _failed.RemoveLabelled(function);
        _workerCount.RemoveLabelled(function);
        _healthy.RemoveLabelled(function);
        _paused.RemoveLabelled(function);
        _oldest.RemoveLabelled(function);
    }
}
