namespace Fjord.Runtime.Processes;

/// <summary>
/// One function process to start. <see cref="Command"/> uses paths as the process sees them
/// (inside the sandbox: /fn, /fjord/runtime); <see cref="FunctionDir"/> is the host path.
/// </summary>
internal sealed record LaunchSpec(
    string Function,
    IReadOnlyList<string> Command,
    IReadOnlyDictionary<string, string> Environment,
    string? FunctionDir,
    bool Network,
    long MemoryBytes,
    string? LogMarkerPrefix = null)
{
    /// <summary>Secrets the process gets as files under /run/secrets (read from <see cref="RuntimeOptions.Secrets"/> at each start).</summary>
    public IReadOnlyList<string> Secrets { get; init; } = [];
}
