using Fjord.Core.Jobs;

namespace Fjord.Core.Storage;

/// <summary>Job records: what the API shows and the commands it offers on one job.</summary>
public interface IJobStore
{
    Task<JobRecord?> GetJobAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Newest first. The cursor is opaque to callers: the <see cref="JobPage.Next"/> of the previous page.
    /// A backend may bound how many jobs one page examines for filters its indexes do not serve:
    /// such a page can hold fewer items than the limit (even none) and still have a next cursor.
    /// Only a null <see cref="JobPage.Next"/> means the end.
    /// </summary>
    Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken);

    Task<JobResult?> GetResultAsync(string id, CancellationToken cancellationToken);

    /// <summary>The captured log of the latest attempt (stderr, print output), size-capped.</summary>
    Task<string?> GetLogAsync(string id, CancellationToken cancellationToken);

    /// <summary>Requeues a failed (dead-lettered) job with a fresh attempt budget.</summary>
    Task<JobCommandResult> RetryAsync(string id, CancellationToken cancellationToken);

    /// <summary>Cancels a queued or scheduled job so it never runs.</summary>
    /// <remarks>
    /// A backend may also cancel a running job (both stores do): it records the attempt as
    /// canceled and fences the lease in the same write, and fires <see cref="Queue.IJobLease.Canceled"/>
    /// where it can. Then only a finished job answers <see cref="JobCommandResult.WrongState"/>.
    /// </remarks>
    Task<JobCommandResult> CancelAsync(string id, CancellationToken cancellationToken);

    /// <summary>Completes when the job reaches a terminal status; returns its record (null if unknown).</summary>
    Task<JobRecord?> WaitForEndAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Starts waiting for the end of a job that is about to be enqueued (a sync invocation).
    /// Registered before the job exists, the wait cannot miss its end, so no read is needed to
    /// close that gap; a backend that has the outcome at hand when the job ends hands it over
    /// with the result, sparing the two reads that would follow.
    /// </summary>
    IJobEndWatch WatchEnd(string id) => new ReadingEndWatch(this, id);
}

/// <summary>
/// A listing's filters. <paramref name="ErrorKind"/> matches the job's latest error;
/// <paramref name="Since"/> keeps jobs created at or after it (a bound on the UUIDv7 id, so it
/// narrows the same index range the cursor walks instead of adding a scan).
/// </summary>
public sealed record JobQuery(
    string? Function = null,
    JobStatus? Status = null,
    int Limit = 50,
    string? Cursor = null,
    ErrorKind? ErrorKind = null,
    DateTimeOffset? Since = null);

public sealed record JobPage(IReadOnlyList<JobRecord> Items, string? Next);

public enum JobCommandResult
{
    Done,
    NotFound,
    WrongState,
}
