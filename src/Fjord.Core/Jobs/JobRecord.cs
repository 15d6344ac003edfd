namespace Fjord.Core.Jobs;

/// <summary>The read model of one job, as <c>GET /v1/jobs/{id}</c> shows it.</summary>
public sealed record JobRecord
{
    public required string Id { get; init; }
    public required string Function { get; init; }
    public required JobStatus Status { get; init; }
    public int Attempt { get; init; }
    public int MaxAttempts { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset? RunAt { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public DateTimeOffset? FinishedAt { get; init; }
    public JobError? Error { get; init; }
    public long? ResultSize { get; init; }
    public string? ResultContentType { get; init; }
    public string? Node { get; init; }
    public string? CallbackUrl { get; init; }

    /// <summary>The job's stored trace context (<see cref="TraceContext.Pack"/>); null for jobs stored before tracing.</summary>
    public string? Trace { get; init; }

    /// <summary>What made the job; <see cref="JobTrigger.HttpRequest"/> when nothing was stored.</summary>
    public JobTrigger Trigger { get; init; } = JobTrigger.HttpRequest;
    public IReadOnlyList<AttemptRecord> Attempts { get; init; } = [];

    /// <summary>Delivery tries of the job's callback, oldest first (empty without X-Callback-Url, or before the job ended).</summary>
    public IReadOnlyList<CallbackRecord> Callbacks { get; init; } = [];

    public long? DurationMs => StartedAt is { } s && FinishedAt is { } f ? (long)(f - s).TotalMilliseconds : null;

    /// <summary>The latest attempt's wait in the queue, from due (run_at) to started; null while the job waits or if it never started.</summary>
    public long? QueueWaitMs { get; init; }

    /// <summary>For the stores' row readers: run_at keeps the latest attempt's due time until the job waits again.</summary>
    public static long? QueueWait(JobStatus status, long runAtMs, long? startedAtMs) =>
        status is JobStatus.Queued or JobStatus.Scheduled || startedAtMs is not { } started || started < runAtMs ? null : started - runAtMs;
}

/// <summary>One run of a job: when, where, and how it ended.</summary>
public sealed record AttemptRecord(
    int Number,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt,
    string? Node,
    string Outcome,
    JobError? Error);

/// <summary>A stored result body and its media type.</summary>
public sealed record JobResult(byte[] Body, string ContentType);

/// <summary>One delivery try of a job's callback: when, the job status it reported, the HTTP status it got (null: no answer), and why it failed.</summary>
public sealed record CallbackRecord(int Number, DateTimeOffset At, JobStatus JobStatus, int? StatusCode, string? Error);
