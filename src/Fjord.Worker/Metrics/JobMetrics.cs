using System.Collections.Concurrent;
using Fjord.Core.Jobs;
using Prometheus;

namespace Fjord.Worker.Metrics;

/// <summary>
/// Latency histograms and the ended-jobs counter, observed by the worker from times it already
/// holds (the lease's ready and start times, the attempt's own stopwatch): no store read per job.
/// Children are cached per function so an observation allocates nothing; a removed function's
/// label sets are dropped (<see cref="Forget"/>), so only functions that exist are exported.
/// </summary>
public sealed class JobMetrics
{
    /// <summary>5 ms to 10 minutes: a no-op python job and a long batch job both land in a useful bucket.</summary>
    public static readonly double[] Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600];

    private readonly Histogram _queueWait;
    private readonly Histogram _run;
    private readonly Histogram _endToEnd;
    private readonly Histogram _coldStart;
    private readonly Counter _ended;
    private readonly Gauge _poolWorkers;
    private readonly Gauge _poolDesired;
    private readonly Counter _scaleEvents;
    private readonly ConcurrentDictionary<string, FunctionMetrics> _functions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Function, string Status, string Kind), Counter.Child> _endedChildren = new();

    public JobMetrics(CollectorRegistry registry)
    {
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        var config = new HistogramConfiguration { Buckets = Buckets, LabelNames = ["function"] };
        _queueWait = factory.CreateHistogram("fjord_job_queue_wait_seconds", "Time a job waited in the queue: due (ready) to started, per attempt.", config);
        _run = factory.CreateHistogram("fjord_job_run_seconds", "Time an attempt ran: started to finished.", config);
        _endToEnd = factory.CreateHistogram("fjord_job_end_to_end_seconds", "Time from intake (accepted) to the job's end (succeeded or dead-lettered).", config);
        _coldStart = factory.CreateHistogram("fjord_function_cold_start_seconds", "Time a warm function process took from start to ready for its first job.", config);
        _poolWorkers = factory.CreateGauge("fjord_pool_workers", "Function processes (slots) of the function's pool on this node.", ["function"]);
        _poolDesired = factory.CreateGauge("fjord_pool_desired_workers", "Processes the function's pool wants on this node (its scaling rule, before the node's limits).", ["function"]);
        _scaleEvents = factory.CreateCounter("fjord_pool_scale_events_total", "Times the function's pool on this node was resized, by direction (up, down).", ["function", "direction"]);
        _ended = factory.CreateCounter("fjord_jobs_ended_total", "Jobs that ended on this node, by status (succeeded, failed) and error kind (none on success).", ["function", "status", "kind"]);
    }

    internal FunctionMetrics For(string function) =>
        _functions.TryGetValue(function, out var m) ? m : _functions.GetOrAdd(function, f => new FunctionMetrics(this, f));

    public void ColdStart(string function, TimeSpan elapsed) => For(function).ColdStart.Observe(elapsed.TotalSeconds);

    internal void Ended(string function, JobStatus status, JobError? error)
    {
        var key = (function, status.ToWire(), error?.KindName ?? "none");
        if (!_endedChildren.TryGetValue(key, out var child))
            child = _endedChildren.GetOrAdd(key, k => _ended.WithLabels(k.Function, k.Status, k.Kind));
        child.Inc();
    }

    /// <summary>The pool's size and wanted size after a scaling tick; a resize counted by direction.</summary>
    public void Pool(string function, int workers, int desired, int resizedBy)
    {
        For(function);
        _poolWorkers.WithLabels(function).Set(workers);
        _poolDesired.WithLabels(function).Set(desired);
        if (resizedBy != 0)
            _scaleEvents.WithLabels(function, resizedBy > 0 ? "up" : "down").Inc();
    }

    /// <summary>Drops a removed function's label sets.</summary>
    public void Forget(string function)
    {
        if (!_functions.TryRemove(function, out _))
            return;
        _queueWait.RemoveLabelled(function);
        _run.RemoveLabelled(function);
        _endToEnd.RemoveLabelled(function);
        _coldStart.RemoveLabelled(function);
        _poolWorkers.RemoveLabelled(function);
        _poolDesired.RemoveLabelled(function);
        _scaleEvents.RemoveLabelled(function, "up");
        _scaleEvents.RemoveLabelled(function, "down");
        foreach (var key in _endedChildren.Keys)
        {
            if (key.Function == function && _endedChildren.TryRemove(key, out _))
                _ended.RemoveLabelled(key.Function, key.Status, key.Kind);
        }
    }

    internal sealed class FunctionMetrics(JobMetrics owner, string function)
    {
        public Histogram.Child QueueWait { get; } = owner._queueWait.WithLabels(function);
        public Histogram.Child Run { get; } = owner._run.WithLabels(function);
        public Histogram.Child EndToEnd { get; } = owner._endToEnd.WithLabels(function);
        public Histogram.Child ColdStart { get; } = owner._coldStart.WithLabels(function);
    }
}
