using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;

namespace Fjord.Core.Ledger;

/// <summary>What an enqueue stored, and which of its jobs the caller must publish now (due at once).</summary>
/// <param name="Results">One per new job, in order (existing ids for reused idempotency keys).</param>
/// <param name="PublishNow">Jobs due now whose outbox rows carry <paramref name="Claim"/>: the caller publishes them, then calls <see cref="IJobLedger.OutboxDoneAsync"/>.</param>
public sealed record LedgerEnqueue(IReadOnlyList<EnqueuedJob> Results, IReadOnlyList<OutboxItem> PublishNow, long Claim);

/// <summary>A job that needs a broker message.</summary>
public readonly record struct OutboxItem(string JobId, string Function);

public enum ClaimStatus
{
    /// <summary>The job is now running under a fresh lease token.</summary>
    Claimed,
    /// <summary>Not waiting or not due (running elsewhere, finished, canceled, scheduled later, unknown): the message is stale; its job has (or gets) its own.</summary>
    Stale,
    /// <summary>Older than its function's maxAge: dead-lettered as expired instead of run.</summary>
    Expired,
    /// <summary>
    /// Waiting, but its message is still being published: the publisher has not yet heard every
    /// confirm of its batch, and may still cancel it (a 503 runs none of the batch). Keep the
    /// message and claim again shortly; the hold ends when the publisher clears its outbox rows,
    /// or when their claim runs out (the publisher died).
    /// </summary>
    Held,
}

public sealed record ClaimResult(ClaimStatus Status, LeasedJob? Job);

public enum LedgerCompletion
{
    Ack,
    Retry,
    DeadLetter,
}

/// <summary>What dispatch needs to know about a function, cached for a second (pause, maxAge, depth limit).</summary>
public sealed record FunctionSettings(FunctionSpec Spec, bool Paused);

/// <summary>Outbox claims: who is publishing a row right now (a random tag, never reused in practice).</summary>
public static class OutboxClaims
{
    public static long New() => Random.Shared.NextInt64(1, long.MaxValue);
}

/// <summary>Tells one lease that its running job was canceled elsewhere; dispose it when the lease ends.</summary>
public interface ILeaseCancelWatch : IDisposable
{
    /// <summary>Fires when the job was canceled while the lease held it.</summary>
    CancellationToken Token { get; }
}
