using Fjord.Core.Jobs;

namespace Fjord.Core.Queue;

/// <summary>
/// The write side of delivery: intake puts jobs in, workers lease them out. Implemented by the
/// embedded SQLite store and by the RabbitMQ queue. The dispatcher uses only this contract and
/// never the read side (<see cref="Storage.IJobMonitor"/>).
/// </summary>
public interface IJobQueue
{
    /// <summary>
    /// Stores all of <paramref name="jobs"/> or none of them. When the returned task completes
    /// successfully every job is durable (fsynced) and a 202 may be sent. Jobs whose idempotency
    /// key was already used for the same function within 24 h come back with
    /// <see cref="EnqueuedJob.Existing"/> set and the earlier id.
    /// </summary>
    /// <exception cref="QueueFullException">The function's queue is at its maxQueueDepth.</exception>
    /// <exception cref="StoreUnavailableException">The write could not be confirmed (disk full, I/O error, broker down).</exception>
    Task<IReadOnlyList<EnqueuedJob>> EnqueueAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until a job of <paramref name="function"/> is due and the function is not paused,
    /// then leases it to <paramref name="node"/>. Call it only when a slot is free to start the job
    /// at once: a worker never holds more leases than it has free processes (fair dispatch).
    /// </summary>
    Task<IJobLease> FetchAsync(string function, string node, CancellationToken cancellationToken);
}
