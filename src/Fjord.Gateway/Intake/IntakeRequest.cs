using Fjord.Core.Jobs;

namespace Fjord.Gateway.Intake;

/// <summary>
/// "These payloads for function F, with these options": what every way in (the HTTP endpoints,
/// schedules, queue triggers) hands <see cref="JobIntake"/>. Each payload becomes one job; all of
/// them are stored or none.
/// </summary>
internal sealed record IntakeRequest
{
    public required string Function { get; init; }
    public required IReadOnlyList<ReadOnlyMemory<byte>> Payloads { get; init; }
    public string? ContentType { get; init; }

    /// <summary>Not before this time; null or a time not in the future queues at once.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>Single jobs only: the same key for the same function within 24 h returns the earlier job.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Absolute http(s) URL; where it may point is checked by intake (<see cref="Callbacks.CallbackTargets"/>).</summary>
    public string? CallbackUrl { get; init; }

    /// <summary>The packed trace context (<see cref="TraceContext.Pack"/>); null starts a new trace.</summary>
    public string? Trace { get; init; }

    /// <summary>What made the job; null for an HTTP request.</summary>
    public JobTrigger? Trigger { get; init; }

    /// <summary>A sync invocation: one attempt, and no durability promise (the caller waits on the result).</summary>
    public bool Sync { get; init; }

    /// <summary>Single jobs only: the id to give the job (a sync invoke watches it before enqueueing); null makes one.</summary>
    public string? JobId { get; init; }

    /// <summary>
    /// Refuse (<see cref="IntakeRefusalKind.Paused"/>) while the function is paused. HTTP intake keeps
    /// accepting during a pause (CONTRACT); a queue trigger leaves its messages in the broker instead.
    /// </summary>
    public bool RefuseWhenPaused { get; init; }

    public static IntakeRequest One(string function, ReadOnlyMemory<byte> payload) =>
        new() { Function = function, Payloads = [payload] };
}
