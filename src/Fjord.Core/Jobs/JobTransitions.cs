namespace Fjord.Core.Jobs;

/// <summary>
/// One named change of a job's status. An empty <see cref="From"/> means the transition creates
/// the job; a null <see cref="To"/> means it deletes the job's row.
/// </summary>
/// <param name="Name">The transition's name, as docs/guarantees.md and the tests say it.</param>
/// <param name="From">The statuses the job may be in for the transition to apply (the SQL's fence).</param>
/// <param name="To">The status the job ends in, or null when its row is deleted.</param>
/// <param name="Counted">
/// Whether it starts or ends an attempt that counts against maxAttempts. False for a release
/// (the attempt number goes back down), a dead letter's retry (reset to zero), and changes of a
/// job that is not running.
/// </param>
public sealed record JobTransition(string Name, IReadOnlyList<JobStatus> From, JobStatus? To, bool Counted)
{
    /// <summary>Whether a job in <paramref name="status"/> may take this transition.</summary>
    public bool Allows(JobStatus status) => From.Contains(status);
}

/// <summary>
/// The job lifecycle in one table: every status change a backend may make, with the statuses it
/// starts from and the one it ends in. Every backend's writes are this table spelled in its own
/// language (SQL through <see cref="JobSql"/>, which a test pins to this table); a write that
/// changes a status in a way not listed here is a bug. JobTransitionsTests checks the table's
/// shape (every status reachable, ended jobs leave only by purge or a dead letter's retry).
/// </summary>
public static class JobTransitions
{
    private static readonly JobStatus[] None = [];

    private static readonly JobStatus[] Waiting = [JobStatus.Queued, JobStatus.Scheduled];

    private static readonly JobStatus[] Running = [JobStatus.Running];

    private static readonly JobStatus[] Ended = [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Canceled];

    /// <summary>A new job due now.</summary>
    public static readonly JobTransition Enqueue = new("enqueue", None, JobStatus.Queued, Counted: false);

    /// <summary>A new job due later (a delay or a run-at in the future).</summary>
    public static readonly JobTransition EnqueueLater = new("enqueue later", None, JobStatus.Scheduled, Counted: false);

    /// <summary>A due job leased to a worker: its attempt number goes up by one.</summary>
    public static readonly JobTransition Claim = new("claim", Waiting, JobStatus.Running, Counted: true);

    /// <summary>The attempt succeeded (fenced by the lease token).</summary>
    public static readonly JobTransition Ack = new("ack", Running, JobStatus.Succeeded, Counted: true);

    /// <summary>The attempt failed with attempts left: waits again until its backoff's run-at.</summary>
    public static readonly JobTransition Retry = new("retry", Running, JobStatus.Scheduled, Counted: true);

    /// <summary>The attempt failed and was the last one allowed (or failed for good): a dead letter.</summary>
    public static readonly JobTransition DeadLetter = new("dead-letter", Running, JobStatus.Failed, Counted: true);

    /// <summary>
    /// Taken back from a worker that is gone, attempt counted and recorded as lost: the reaper
    /// (lease expired), recovery at open (node stopped while the job ran), or an attempt whose
    /// outcome could not be written (<see cref="TakeBackReasons"/>). Waits again at once.
    /// </summary>
    public static readonly JobTransition TakeBack = new("take back", Running, JobStatus.Queued, Counted: true);

    /// <summary><see cref="TakeBack"/> of a job whose attempt was its last allowed one: a dead letter instead.</summary>
    public static readonly JobTransition TakeBackLast = new("take back last", Running, JobStatus.Failed, Counted: true);

    /// <summary>Given back uncounted (never started, or its node is stopping): the attempt number goes back down.</summary>
    public static readonly JobTransition Release = new("release", Running, JobStatus.Queued, Counted: false);

    /// <summary>maxAge: waited longer than its function allows, dead-lettered as expired instead of run.</summary>
    public static readonly JobTransition Expire = new("expire", Waiting, JobStatus.Failed, Counted: false);

    /// <summary>Canceled before it ran.</summary>
    public static readonly JobTransition Cancel = new("cancel", Waiting, JobStatus.Canceled, Counted: false);

    /// <summary>Canceled while it ran: the lease ends and the worker is told to stop it.</summary>
    public static readonly JobTransition CancelRunning = new("cancel running", Running, JobStatus.Canceled, Counted: true);

    /// <summary>A dead letter retried by hand: waiting again at once with its attempts reset to zero.</summary>
    public static readonly JobTransition RetryDeadLetter = new("retry dead letter", [JobStatus.Failed], JobStatus.Queued, Counted: false);

    /// <summary>Retention or `fjord jobs rm`: an ended job's row is deleted.</summary>
    public static readonly JobTransition Purge = new("purge", Ended, To: null, Counted: false);

    /// <summary>Every transition, in lifecycle order.</summary>
    public static readonly IReadOnlyList<JobTransition> All =
    [
        Enqueue, EnqueueLater, Claim, Ack, Retry, DeadLetter, TakeBack, TakeBackLast, Release, Expire,
        Cancel, CancelRunning, RetryDeadLetter, Purge,
    ];

    /// <summary>Whether some transition of the table moves a job from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public static bool IsAllowed(JobStatus from, JobStatus to) => All.Any(t => t.To == to && t.Allows(from));
}
