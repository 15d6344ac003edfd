using Fjord.Core.Jobs;

namespace Fjord.Runtime.Processes;

/// <summary>Keeps <see cref="RunnerHealth"/>: read from the pool's thread while the slot's thread writes it.</summary>
internal sealed class HealthCounter
{
    private volatile RunnerHealth _health = new(0, 0, null, null);

    public RunnerHealth Current => _health;

    public void Started(int pid) => _health = _health with { ProcessStarts = _health.ProcessStarts + 1, ProcessId = pid };

    public void Stopped() => _health = _health with { ProcessId = null };

    public void StartFailed(string problem) =>
        _health = _health with { ConsecutiveFailures = _health.ConsecutiveFailures + 1, LastProblem = problem, ProcessId = null };

    public void Finished(RunResult result)
    {
        if (result.Error is { Kind: ErrorKind.Crash or ErrorKind.Memory } error)
            _health = _health with { ConsecutiveFailures = _health.ConsecutiveFailures + 1, LastProblem = error.Message };
        else
            _health = _health with { ConsecutiveFailures = 0 };
    }
}
