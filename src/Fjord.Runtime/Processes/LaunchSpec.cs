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

    /// <summary>The function's CPU quota in cores; null means the node's default.</summary>
    public double? CpuCores { get; init; }

    /// <summary>The image whose root is the process's <c>/</c>, or null for a folder or host function.</summary>
    public Fjord.Runtime.Images.RunnableImage? Image { get; init; }

    /// <summary>
    /// Move the shim protocol to fds 3 and 4 (stdout to stderr, stdin to /dev/null) before bwrap
    /// starts, with the host's shell: node and php cannot do it themselves, and an image may have no shell.
    /// </summary>
    public bool ProtocolOnFd3 { get; init; }
}
