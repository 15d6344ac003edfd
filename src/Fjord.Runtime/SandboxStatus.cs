namespace Fjord.Runtime;

/// <summary>
/// What this host lets Fjord do to contain function processes. <see cref="Isolated"/>: bubblewrap
/// works (own mount, pid, network namespaces, non-root uid). <see cref="Limited"/>: cgroups can be
/// created (memory, pids, CPU limits, and a kill that reaches every descendant).
/// <see cref="Warning"/> is set whenever any defence is missing, so an unprotected node is never silent.
/// </summary>
public sealed record SandboxStatus(bool Isolated, bool Limited, int? CgroupVersion, string Detail, string? Warning)
{
    /// <summary>The seccomp filter was built and bubblewrap accepted it.</summary>
    public bool Filtered { get; init; }

    /// <summary><c>network: true</c> functions get a namespace of their own with outbound access (slirp4netns).</summary>
    public bool PrivateNetwork { get; init; }

    /// <summary>Every defence a node must have before it runs other people's code: without it `fjord up` refuses to start unless told otherwise.</summary>
    public bool Complete => Isolated && Filtered && Limited;

    public const string Bubblewrap = "bubblewrap";
    public const string SeccompPart = "seccomp";
    public const string CgroupsPart = "cgroups";

    /// <summary>What is missing, per part (<see cref="Bubblewrap"/>, <see cref="SeccompPart"/>, <see cref="CgroupsPart"/>), each with its fix; `fjord doctor` prints them one per line.</summary>
    public IReadOnlyDictionary<string, string> Problems { get; init; } = new Dictionary<string, string>();

    /// <summary>The bubblewrap binary that passed the probe, or null.</summary>
    public string? BubblewrapPath { get; init; }
}
