namespace Fjord.Runtime;

/// <summary>
/// What this host lets Fjord do to contain function processes. <see cref="Isolated"/>: bubblewrap
/// works (own mount, pid, network namespaces, non-root uid). <see cref="Limited"/>: cgroups can be
/// created (memory, pids, CPU limits, and a kill that reaches every descendant).
/// <see cref="Warning"/> is set whenever either is missing, so an unprotected node is never silent.
/// </summary>
public sealed record SandboxStatus(bool Isolated, bool Limited, int? CgroupVersion, string Detail, string? Warning);
