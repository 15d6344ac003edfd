using Fjord.Core.Jobs;
using Fjord.Core.Queue;

namespace Fjord.Core.Ledger;

/// <summary>
/// The write side of delivery for a broker-backed queue: a database holds every job (the truth:
/// status, attempt, lease token), a broker carries one wake-up message per waiting job. The queue
/// (Fjord.Queue.RabbitMq today; another broker such as Redis Streams later) depends on this
/// contract only; Fjord.Storage.Postgres implements it. The rules an implementation keeps:
///
///  1. Every move of a job into waiting writes an outbox row in the same commit; a relay
///     publishes due rows (<see cref="TakeOutboxAsync"/>) and clears them once confirmed
///     (<see cref="OutboxDoneAsync"/>). No waiting job lacks a message.
///  2. A message is acted on only through a fenced claim (<see cref="ClaimAsync"/>); a job whose
///     outbox row its publisher still holds is <see cref="ClaimStatus.Held"/>, not claimed.
///  3. Every completing write is fenced by the lease token (false when it no longer matches).
/// The contract suite (tests/Fjord.Backends.Tests) is the proof.
/// </summary>
public interface IJobLedger
{
    /// <summary>Stores all of <paramref name="jobs"/> or none, each with its outbox row (claimed for the caller when due now).</summary>
    /// <exception cref="QueueFullException">The function's queue is at its maxQueueDepth.</exception>
    /// <exception cref="StoreUnavailableException">The commit was not confirmed.</exception>
    Task<LedgerEnqueue> EnqueueAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken);

    /// <summary>The broker confirmed these messages: clears their rows still carrying <paramref name="claim"/>.</summary>
    Task OutboxDoneAsync(long claim, IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    /// <summary>Publishing failed: frees the rows for the next relay round.</summary>
    Task OutboxFailedAsync(long claim, IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    /// <summary>Takes up to <paramref name="limit"/> due outbox rows no one is publishing, marking them with <paramref name="claim"/>.</summary>
    Task<IReadOnlyList<OutboxItem>> TakeOutboxAsync(long claim, int limit, TimeSpan claimFor, CancellationToken cancellationToken);

    /// <summary>Intake could not get every message of a request confirmed: cancels all of its jobs (a 503 runs none).</summary>
    Task<long> AbandonAsync(IReadOnlyList<string> jobIds, CancellationToken cancellationToken);

    /// <summary>Leases the job a message names if it is waiting, due and not held; expires it past <paramref name="maxAge"/>.</summary>
    Task<ClaimResult> ClaimAsync(string jobId, string node, TimeSpan? maxAge, CancellationToken cancellationToken);

    /// <summary>Watches for a cancel of the leased job from any node.</summary>
    ILeaseCancelWatch WatchCancel(string jobId);

    /// <summary>Extends a running job's lease. False when fenced.</summary>
    Task<bool> RenewAsync(string jobId, long token, CancellationToken cancellationToken);

    /// <summary>Ends one attempt (ack, retry at <paramref name="runAt"/>, dead letter). False when fenced.</summary>
    Task<bool> CompleteAsync(LedgerCompletion kind, string jobId, long token, AttemptOutcome outcome, DateTimeOffset runAt, CancellationToken cancellationToken);

    /// <summary>Gives a leased job back uncounted (never started, or the node is stopping).</summary>
    Task<bool> ReleaseAsync(string jobId, long token, CancellationToken cancellationToken);

    /// <summary>Takes back an attempt that ran but whose completion could not be written: counted, as a lost attempt.</summary>
    Task<bool> TakeBackRanAsync(string jobId, long token, CancellationToken cancellationToken);

    /// <summary>Takes back running jobs whose lease ran out; returns how many.</summary>
    Task<long> ReapExpiredAsync(CancellationToken cancellationToken);

    /// <summary>A function's spec and pause flag, recently cached; null when it is not deployed.</summary>
    Task<FunctionSettings?> GetFunctionAsync(string function, CancellationToken cancellationToken);
}
