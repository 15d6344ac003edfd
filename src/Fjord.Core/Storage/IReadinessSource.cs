namespace Fjord.Core.Storage;

/// <summary>
/// One thing /readyz reports on: the store, the broker, the sandbox. A source that works but
/// degraded (no sandbox on this host, say) answers ready with a warning in its detail, so an
/// unprotected node is never silent.
/// </summary>
public interface IReadinessSource
{
    string Name { get; }

    Task<Readiness> CheckAsync(CancellationToken cancellationToken);
}

public sealed record Readiness(bool Ready, string Detail, bool Warning = false);
