using Fjord.Core.Storage;

namespace Fjord.Runtime;

/// <summary>
/// /readyz entry for the sandbox: ready (functions still run), and loudly marked UNSANDBOXED when
/// a defence is missing, which a node only runs with after --allow-unsandboxed.
/// </summary>
public sealed class SandboxReadiness(Sandbox sandbox) : IReadinessSource
{
    public string Name => "sandbox";

    public Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        var status = sandbox.Status;
        if (!status.Complete)
            return Task.FromResult(new Readiness(true, $"UNSANDBOXED: {status.Warning}; {status.Detail}", Warning: true));
        return Task.FromResult(status.Warning is null
            ? new Readiness(true, status.Detail)
            : new Readiness(true, $"{status.Detail}; WARNING: {status.Warning}", Warning: true));
    }
}
