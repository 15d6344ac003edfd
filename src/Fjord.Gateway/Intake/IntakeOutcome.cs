using Fjord.Core.Functions;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Intake;

/// <summary>Why intake did not store a request. The HTTP edge maps each to a problem type; a trigger decides to retry, wait or drop.</summary>
internal enum IntakeRefusalKind
{
    /// <summary>No such function (HTTP 404). Permanent until a deploy.</summary>
    UnknownFunction,

    /// <summary>The function is paused and the request asked to be refused then (triggers only). Retry after resume.</summary>
    Paused,

    /// <summary>The function's queue is at its maxQueueDepth (429). Retry after <see cref="IntakeRefusal.RetryAfter"/>.</summary>
    QueueFull,

    /// <summary>The store could not confirm the write (503). Nothing may be assumed stored; retry later.</summary>
    StoreUnavailable,

    /// <summary>A payload is larger than the gateway accepts, or a batch holds too many (413). Permanent.</summary>
    TooLarge,

    /// <summary>A bad option: header, callback URL, batch body (400). Permanent.</summary>
    Invalid,
}

/// <summary>A refusal: its kind, the metric's reason label, a human detail, and when to come back (queue full).</summary>
internal sealed record IntakeRefusal(IntakeRefusalKind Kind, string Reason, string Detail, TimeSpan? RetryAfter = null)
{
    /// <summary>Worth trying again later unchanged (paused, queue full, store unavailable); the others never will succeed.</summary>
    public bool Transient => Kind is IntakeRefusalKind.Paused or IntakeRefusalKind.QueueFull or IntakeRefusalKind.StoreUnavailable;
}

/// <summary>
/// What <see cref="JobIntake.SubmitAsync"/> did: stored every job (<see cref="Jobs"/>, in payload
/// order; <see cref="EnqueuedJob.Existing"/> when an idempotency key named an earlier job), or
/// refused the whole request (<see cref="Refusal"/>). Failures are values, so a trigger can act
/// on them without catching anything; only cancellation throws.
/// </summary>
internal sealed record IntakeOutcome
{
    public IntakeRefusal? Refusal { get; init; }
    public IReadOnlyList<EnqueuedJob> Jobs { get; init; } = [];

    /// <summary>The jobs wait for a future run time (status scheduled rather than queued).</summary>
    public bool Scheduled { get; init; }

    /// <summary>The function as intake saw it (null when unknown).</summary>
    public FunctionSpec? Spec { get; init; }

    public bool Accepted => Refusal is null;

    public static IntakeOutcome Refused(IntakeRefusalKind kind, string reason, string detail, TimeSpan? retryAfter = null) =>
        new() { Refusal = new IntakeRefusal(kind, reason, detail, retryAfter) };
}
