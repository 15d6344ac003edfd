namespace Fjord.Core.Jobs;

/// <summary>How an attempt ended, as stored in its record (attempts.outcome) and shown by the API.</summary>
public static class AttemptOutcomes
{
    public const string Succeeded = "succeeded";
    public const string Failed = "failed";

    /// <summary>Taken back from a worker that was gone (<see cref="JobTransitions.TakeBack"/>).</summary>
    public const string Lost = "lost";

    /// <summary>The current attempt of a running job: it has no record until it ends.</summary>
    public const string Running = "running";

    public const string Canceled = "canceled";

    /// <summary>The error message of an attempt canceled while it ran (error kind canceled).</summary>
    public const string CanceledWhileRunning = "canceled while it ran";
}
