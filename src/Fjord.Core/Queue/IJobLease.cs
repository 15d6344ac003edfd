using Fjord.Core.Jobs;

namespace Fjord.Core.Queue;

/// <summary>
/// A claim on one attempt of one job (Hangfire's IFetchedJob, Sidekiq's UnitOfWork). The claim
/// carries a fencing token: every completing call succeeds only while the token still matches,
/// so a worker whose lease ran out (paused, partitioned) cannot finish an attempt that has since
/// been handed to someone else. Each completing call returns false when fenced.
/// Disposing without completing gives the job back (not counted as an attempt).
/// </summary>
public interface IJobLease : IAsyncDisposable
{
    LeasedJob Job { get; }

    /// <summary>Extends the lease; a running job renews well before it runs out. False when fenced.</summary>
    Task<bool> RenewAsync(CancellationToken cancellationToken);

    /// <summary>Records success and removes the job from the queue, in one durable write.</summary>
    Task<bool> AckAsync(AttemptOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Records a failed attempt and schedules the next one at <paramref name="runAt"/>, in one write.</summary>
    Task<bool> RetryAtAsync(DateTimeOffset runAt, AttemptOutcome outcome, CancellationToken cancellationToken);

    /// <summary>Records the final failed attempt and moves the job to the dead letters (status failed), in one write.</summary>
    Task<bool> DeadLetterAsync(AttemptOutcome outcome, CancellationToken cancellationToken);

    /// <summary>
    /// Fires when the job was canceled while this lease held it (<c>POST /v1/jobs/{id}/cancel</c>).
    /// The store has then already recorded the attempt as canceled and fenced the lease, so the
    /// worker only kills the process and records nothing more. A backend that cannot tell the
    /// worker in time keeps the default: the worker learns it at its next refused renewal or
    /// completion, which is safe (fenced) but slower.
    /// </summary>
    CancellationToken Canceled => CancellationToken.None;
}

/// <summary>What a worker needs to run one attempt.</summary>
public sealed record LeasedJob
{
    public required string Id { get; init; }
    public required string Function { get; init; }
    public required int Attempt { get; init; }
    public required int MaxAttempts { get; init; }
    public required byte[] Payload { get; init; }
    public string? ContentType { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the job became due for this attempt (its run_at): the start of its wait in the queue, for the latency histograms.</summary>
    public DateTimeOffset? ReadyAt { get; init; }
    public required long LeaseToken { get; init; }
    public string? CallbackUrl { get; init; }
    public bool Sync { get; init; }

    /// <summary>The job's trace context from intake (<see cref="Jobs.TraceContext.Pack"/>), for the attempt's span and the function's TRACEPARENT.</summary>
    public string? Trace { get; init; }

    /// <summary>What made the job, for the function's context; <see cref="JobTrigger.HttpRequest"/> when nothing was stored.</summary>
    public JobTrigger Trigger { get; init; } = JobTrigger.HttpRequest;
}
