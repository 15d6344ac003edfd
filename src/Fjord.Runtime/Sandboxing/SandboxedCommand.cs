namespace Fjord.Runtime.Sandboxing;

/// <summary>One command to run inside bubblewrap, with what it may see (host paths) and its environment.</summary>
internal sealed record SandboxedCommand(
    string? FunctionDir,
    string? RuntimesDir,
    bool Network,
    long TmpBytes,
    IReadOnlyDictionary<string, string> Environment,
    IReadOnlyList<string> Command);
