namespace Fjord.Runtime;

/// <summary>
/// A supervision signal for the worker's pool (supervisord's "backoff / fatal"). Counts attempts
/// in a row that died for reasons of the process rather than the job: the process could not start,
/// crashed, or was OOM-killed. A regular answer (success, exception, exit code, timeout) resets it.
/// A pool seeing the count rise backs off restarts and reports itself unhealthy.
/// </summary>
public sealed record RunnerHealth(int ConsecutiveFailures, int ProcessStarts, string? LastProblem, int? ProcessId)
{
    public bool Healthy(int threshold = 3) => ConsecutiveFailures < threshold;
}

/// <summary>Implemented by every runner <see cref="RunnerFactory"/> makes: <c>runner as ISupervisedRunner</c>.</summary>
public interface ISupervisedRunner
{
    RunnerHealth Health { get; }
}
