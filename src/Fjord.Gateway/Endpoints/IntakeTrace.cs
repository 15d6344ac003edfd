using System.Diagnostics;
using Fjord.Core.Jobs;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>
/// The trace of one intake request: the caller's W3C <c>traceparent</c>/<c>tracestate</c> when
/// valid, else a new trace; an <c>intake</c> span when tracing is on (an OTLP endpoint is
/// configured), and the context stored with the job, so its attempts and its function join it.
/// </summary>
internal readonly struct IntakeTrace : IDisposable
{
    private readonly Activity? _span;

    private IntakeTrace(Activity? span, string packed)
    {
        _span = span;
        Packed = packed;
    }

    /// <summary>What the job stores (<see cref="TraceContext.Pack"/>).</summary>
    public string Packed { get; }

    public static IntakeTrace Start(HttpContext context, string function)
    {
        var headers = context.Request.Headers;
        return Start(function, headers.TraceParent.ToString(), headers.TraceState.ToString() is { Length: > 0 } s ? s : null, ActivityKind.Server);
    }

    /// <summary>For a trigger: the message's own traceparent when it carries one, else a new trace.</summary>
    public static IntakeTrace Start(string function, string? traceparent, string? tracestate, ActivityKind kind)
    {
        var parent = TraceContext.FromHeaders(traceparent, tracestate);
        var span = TraceContext.Source.StartActivity("intake", kind, parent);
        if (span is null)
            return new IntakeTrace(null, TraceContext.Pack(parent));
        span.SetTag("fjord.function", function);
        return new IntakeTrace(span, TraceContext.Pack(span.Context));
    }

    public void Job(string id) => _span?.SetTag("fjord.job_id", id);

    public void Dispose() => _span?.Dispose();
}
