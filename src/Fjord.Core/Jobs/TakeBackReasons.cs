namespace Fjord.Core.Jobs;

/// <summary>
/// Why a running job was taken back from its worker with its attempt counted (recorded as a
/// lost attempt of kind crash). The same words on every backend, so a job's history reads alike.
/// </summary>
public static class TakeBackReasons
{
    /// <summary>No renewal before the lease ran out: the worker hung, stopped or was cut off.</summary>
    public const string LeaseExpired = "lease expired";

    /// <summary>The embedded store reopened after its process died while the job ran.</summary>
    public const string NodeStopped = "node stopped while the job ran";

    /// <summary>The attempt ran, but its ack, retry or dead letter could not be written (disk full, database down).</summary>
    public const string OutcomeNotRecorded = "the attempt ran but its outcome could not be recorded";
}
