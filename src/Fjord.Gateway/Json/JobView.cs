using System.Text.Json.Serialization;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Json;

/// <summary>
/// The wire form of a job record (CONTRACT §4 <c>Job</c>). Null fields are written as null rather
/// than left out, so every job has the same shape whatever its state.
/// </summary>
internal sealed class JobView
{
    public required string Id { get; init; }
    public required string Function { get; init; }
    public required string Status { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? RunAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? StartedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? FinishedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public long? DurationMs { get; init; }

    /// <summary>The latest attempt's wait in the queue: from due (run_at) to started; null before it started.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public long? QueueWaitMs { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ErrorView? Error { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public long? ResultSize { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? ResultContentType { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Node { get; init; }

    /// <summary>The W3C trace id the job belongs to (the caller's traceparent, or the trace intake started).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? TraceId { get; init; }

    /// <summary>What made the job: <c>{"kind":"http"}</c>, or a schedule or queue trigger with its name and context.</summary>
    public required JobTrigger Trigger { get; init; }
    public required IReadOnlyList<AttemptView> Attempts { get; init; }

    /// <summary>Delivery tries of the job's callback (only on <c>GET /v1/jobs/{id}</c>; empty in listings).</summary>
    public IReadOnlyList<CallbackView> Callbacks { get; init; } = [];

    public static JobView From(JobRecord job)
    {
        var attempts = new AttemptView[job.Attempts.Count];
        for (var i = 0; i < attempts.Length; i++)
            attempts[i] = AttemptView.From(job.Attempts[i]);
        var callbacks = new CallbackView[job.Callbacks.Count];
        for (var i = 0; i < callbacks.Length; i++)
            callbacks[i] = CallbackView.From(job.Callbacks[i]);
        return new JobView
        {
            Id = job.Id,
            Function = job.Function,
            Status = job.Status.ToWire(),
            Attempt = job.Attempt,
            MaxAttempts = job.MaxAttempts,
            CreatedAt = job.CreatedAt,
            RunAt = job.RunAt,
            StartedAt = job.StartedAt,
            FinishedAt = job.FinishedAt,
            DurationMs = job.DurationMs,
            QueueWaitMs = job.QueueWaitMs,
            Error = ErrorView.From(job.Error),
            ResultSize = job.ResultSize,
            ResultContentType = job.ResultContentType,
            Node = job.Node,
            TraceId = TraceContext.TraceId(job.Trace),
            Trigger = job.Trigger,
            Attempts = attempts,
            Callbacks = callbacks,
        };
    }
}

/// <summary>
/// One delivery try of a callback: when, which end it reported, <c>delivered</c> or <c>failed</c>,
/// the receiver's HTTP status (null: no answer) and the failure as "HTTP 503" or "no answer".
/// The error is derived from the status, never the stored text: socket errors would tell the
/// caller about the node's network (what answers, what is refused), so they stay in the node's log.
/// </summary>
internal sealed class CallbackView
{
    public int Number { get; init; }
    public DateTimeOffset At { get; init; }
    public required string JobStatus { get; init; }
    public required string Outcome { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public int? StatusCode { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Error { get; init; }

    public static CallbackView From(CallbackRecord c)
    {
        var delivered = c.StatusCode is >= 200 and < 300;
        return new CallbackView
        {
            Number = c.Number,
            At = c.At,
            JobStatus = c.JobStatus.ToWire(),
            Outcome = delivered ? "delivered" : "failed",
            StatusCode = c.StatusCode,
            Error = delivered ? null : c.StatusCode is { } code ? Callbacks.CallbackSender.StatusText(code) : Callbacks.CallbackSender.NoAnswer,
        };
    }
}

internal sealed class AttemptView
{
    public int Number { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public DateTimeOffset? FinishedAt { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Node { get; init; }
    public required string Outcome { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public ErrorView? Error { get; init; }

    public static AttemptView From(AttemptRecord a) => new()
    {
        Number = a.Number,
        StartedAt = a.StartedAt,
        FinishedAt = a.FinishedAt,
        Node = a.Node,
        Outcome = a.Outcome,
        Error = ErrorView.From(a.Error),
    };
}

internal sealed class ErrorView
{
    public required string Kind { get; init; }
    public required string Message { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public int? ExitCode { get; init; }

    public static ErrorView? From(JobError? error) =>
        error is null ? null : new ErrorView { Kind = error.KindName, Message = error.Message, ExitCode = error.ExitCode };
}

internal sealed class JobList
{
    public required IReadOnlyList<JobView> Items { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.Never)] public string? Next { get; init; }
}
