using System.Diagnostics;

namespace Fjord.Core.Jobs;

/// <summary>
/// The W3C trace context a job carries from intake to its function: the caller's
/// <c>traceparent</c> (and <c>tracestate</c>), or a new trace started at intake. Stored with the
/// job as one text (<see cref="Pack"/>), so every attempt, on any node, joins the same trace.
/// </summary>
public static class TraceContext
{
    public static ActivitySource Source { get; } = new("Fjord", "1.0");

    /// <summary>The caller's context when its traceparent is valid W3C; else a new trace (sampled).</summary>
    public static ActivityContext FromHeaders(string? traceparent, string? tracestate) =>
        traceparent is { Length: > 0 } && ActivityContext.TryParse(traceparent, tracestate, isRemote: true, out var context)
            ? context
            : new ActivityContext(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.Recorded, tracestate, isRemote: false);

    public static string TraceParent(ActivityContext context) =>
        $"00-{context.TraceId.ToHexString()}-{context.SpanId.ToHexString()}-{((context.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? "01" : "00")}";

    /// <summary>The stored form: traceparent, then the tracestate after a newline (which neither may contain).</summary>
    public static string Pack(ActivityContext context) =>
        context.TraceState is { Length: > 0 } state ? TraceParent(context) + "\n" + state : TraceParent(context);

    public static ActivityContext? Unpack(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
            return null;
        var newline = stored.IndexOf('\n', StringComparison.Ordinal);
        var parent = newline < 0 ? stored : stored[..newline];
        var state = newline < 0 ? null : stored[(newline + 1)..];
        return ActivityContext.TryParse(parent, state, isRemote: true, out var context) ? context : null;
    }

    /// <summary>The 32-hex trace id of a stored context; null when none.</summary>
    public static string? TraceId(string? stored) => Unpack(stored)?.TraceId.ToHexString();
}
