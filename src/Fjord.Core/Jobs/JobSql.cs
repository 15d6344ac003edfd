namespace Fjord.Core.Jobs;

/// <summary>
/// <see cref="JobTransitions"/> spelled for SQL, the stored numbers of <see cref="JobStatus"/>.
/// Constants, so a statement interpolating them is itself a constant string: built once by the
/// compiler, prepared once, identical to the text it replaced (partial indexes still match).
/// JobSqlTests pins every constant here to the table, and fails on a status number written
/// anywhere else in a backend's SQL.
/// </summary>
public static class JobSql
{
    public const string Queued = "0";
    public const string Scheduled = "1";
    public const string Running = "2";
    public const string Succeeded = "3";
    public const string Failed = "4";
    public const string Canceled = "5";

    /// <summary>Waiting for a worker (queued or scheduled), for <c>status IN (…)</c>: what a claim takes.</summary>
    public const string Waiting = "0, 1";

    /// <summary>Ended (succeeded, failed, canceled), for <c>status IN (…)</c>: what a purge takes.</summary>
    public const string Ended = "3, 4, 5";

    /// <summary>
    /// Every ended status is at least this and no other is: <c>status &gt;= LowestEnded</c> is the
    /// predicate of the partial index jobs_ended, which a query must repeat to use it.
    /// </summary>
    public const string LowestEnded = "3";

    /// <summary><see cref="JobTransitions.Enqueue"/>.</summary>
    public static class Enqueue
    {
        public const string To = Queued;
    }

    /// <summary><see cref="JobTransitions.EnqueueLater"/>.</summary>
    public static class EnqueueLater
    {
        public const string To = Scheduled;
    }

    /// <summary><see cref="JobTransitions.Claim"/>.</summary>
    public static class Claim
    {
        public const string From = Waiting;
        public const string To = Running;
    }

    /// <summary><see cref="JobTransitions.Ack"/>.</summary>
    public static class Ack
    {
        public const string From = Running;
        public const string To = Succeeded;
    }

    /// <summary><see cref="JobTransitions.Retry"/>.</summary>
    public static class Retry
    {
        public const string From = Running;
        public const string To = Scheduled;
    }

    /// <summary><see cref="JobTransitions.DeadLetter"/>.</summary>
    public static class DeadLetter
    {
        public const string From = Running;
        public const string To = Failed;
    }

    /// <summary><see cref="JobTransitions.TakeBack"/>.</summary>
    public static class TakeBack
    {
        public const string From = Running;
        public const string To = Queued;
    }

    /// <summary><see cref="JobTransitions.TakeBackLast"/>.</summary>
    public static class TakeBackLast
    {
        public const string From = Running;
        public const string To = Failed;
    }

    /// <summary><see cref="JobTransitions.Release"/>.</summary>
    public static class Release
    {
        public const string From = Running;
        public const string To = Queued;
    }

    /// <summary><see cref="JobTransitions.Expire"/>.</summary>
    public static class Expire
    {
        public const string From = Waiting;
        public const string To = Failed;
    }

    /// <summary><see cref="JobTransitions.Cancel"/>.</summary>
    public static class Cancel
    {
        public const string From = Waiting;
        public const string To = Canceled;
    }

    /// <summary><see cref="JobTransitions.CancelRunning"/>.</summary>
    public static class CancelRunning
    {
        public const string From = Running;
        public const string To = Canceled;
    }

    /// <summary><see cref="JobTransitions.RetryDeadLetter"/>.</summary>
    public static class RetryDeadLetter
    {
        public const string From = Failed;
        public const string To = Queued;
    }

    /// <summary><see cref="JobTransitions.Purge"/>: the row is deleted, so it has no To.</summary>
    public static class Purge
    {
        public const string From = Ended;
    }
}
