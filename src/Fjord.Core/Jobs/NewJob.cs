namespace Fjord.Core.Jobs;

/// <summary>What intake hands the queue: one accepted request, not yet durable.</summary>
public sealed record NewJob
{
    public required string Id { get; init; }
    public required string Function { get; init; }
    public required ReadOnlyMemory<byte> Payload { get; init; }
    public string? ContentType { get; init; }
    public required int MaxAttempts { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>Not before this time (X-Delay / X-Run-At); null runs at once.</summary>
    public DateTimeOffset? RunAt { get; init; }
    public string? IdempotencyKey { get; init; }
    public string? CallbackUrl { get; init; }

    /// <summary>The trace context from intake (<see cref="TraceContext.Pack"/>): the caller's traceparent or a new trace.</summary>
    public string? Trace { get; init; }

    /// <summary>What made the job (a schedule, a queue trigger); null for an HTTP request.</summary>
    public JobTrigger? Trigger { get; init; }

    /// <summary>
    /// Sync invocations: the caller waits on the open request, so no 202 promise is made and the
    /// write need not be fsynced before the job may start.
    /// </summary>
    public bool Sync { get; init; }
}

/// <summary>The answer for one <see cref="NewJob"/>: its id, or the id of the job its idempotency key already named.</summary>
public readonly record struct EnqueuedJob(string Id, bool Existing);
