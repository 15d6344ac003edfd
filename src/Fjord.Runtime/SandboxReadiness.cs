using Fjord.Core.Storage;

namespace Fjord.Runtime;

/// <summary>/readyz entry for the sandbox: always ready (functions still run), with a warning when the host leaves them unprotected.</summary>
public sealed class SandboxReadiness(Sandbox sandbox) : IReadinessSource
{
    public string Name => "sandbox";

    public Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        var status = sandbox.Status;
        return Task.FromResult(status.Warning is null
            ? new Readiness(true, status.Detail)
            : new Readiness(true, $"{status.Detail}; WARNING: {status.Warning}", Warning: true));
    }
}
