namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// One command to run inside bubblewrap, with what it may see (host paths) and the secrets it gets
/// as files. Its environment is not here: it travels as the process's environment (envp), never
/// as arguments, because a command line is readable by every user of the host (ps, /proc/PID/cmdline).
/// </summary>
internal sealed record SandboxedCommand(
    string? FunctionDir,
    string? RuntimesDir,
    bool Network,
    long TmpBytes,
    IReadOnlyList<string> Command,
    IReadOnlyList<SecretFile>? Secrets = null)
{
    /// <summary>The image whose root is the sandbox's <c>/</c> instead of the host's /usr, or null.</summary>
    public Fjord.Runtime.Images.RunnableImage? Image { get; init; }
}
