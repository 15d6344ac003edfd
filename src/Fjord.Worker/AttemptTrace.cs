using System.Diagnostics;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;

namespace Fjord.Worker;

/// <summary>
/// An attempt in the job's trace: a <c>queue wait</c> span (due → started, recorded after the
/// fact) and an <c>attempt</c> span (function, attempt, node, outcome), both children of the
/// context stored at intake. The function gets the attempt span's context as its TRACEPARENT, so
/// its own spans hang below it; without tracing on, it gets the stored context itself.
/// </summary>
internal readonly struct AttemptTrace : IDisposable
{
    private readonly Activity? _span;

    private AttemptTrace(Activity? span, string? traceParent, string? traceState)
    {
        _span = span;
        TraceParent = traceParent;
        TraceState = traceState;
    }

    public string? TraceParent { get; }

    public string? TraceState { get; }

    public static AttemptTrace Start(LeasedJob job, string node)
    {
        if (TraceContext.Unpack(job.Trace) is not { } parent)
            return default;
        if (job.ReadyAt is { } ready && TraceContext.Source.HasListeners())
        {
            using var wait = TraceContext.Source.StartActivity("queue wait", ActivityKind.Internal, parent, startTime: ready);
            wait?.SetTag("fjord.job_id", job.Id);
            wait?.SetEndTime(job.StartedAt.UtcDateTime);
        }
        var span = TraceContext.Source.StartActivity("attempt", ActivityKind.Consumer, parent, startTime: job.StartedAt);
        if (span is null)
            return new AttemptTrace(null, TraceContext.TraceParent(parent), parent.TraceState);
        span.SetTag("fjord.function", job.Function);
        span.SetTag("fjord.job_id", job.Id);
        span.SetTag("fjord.attempt", job.Attempt);
        span.SetTag("fjord.node", node);
        return new AttemptTrace(span, TraceContext.TraceParent(span.Context), parent.TraceState);
    }

    public void Outcome(JobError? error, bool recorded)
    {
        if (_span is null)
            return;
        _span.SetTag("fjord.outcome", !recorded ? "not recorded" : error is null ? "succeeded" : error.KindName);
        if (error is not null)
            _span.SetStatus(ActivityStatusCode.Error, error.Message);
    }

    public void Dispose() => _span?.Dispose();
}
