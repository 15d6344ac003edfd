using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Fjord.Runtime.Processes;
using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime;

/// <summary>
/// How function processes are contained on this host, probed once per node: bubblewrap for
/// isolation, a seccomp filter, cgroups for limits, slirp4netns for functions with a network.
/// What is missing is never silent: <see cref="Status"/> names it, `fjord up` refuses to start
/// without it unless the operator says otherwise, and <see cref="SandboxReadiness"/> shows it on /readyz.
/// </summary>
public sealed class Sandbox
{
    public const string DefaultCgroupRoot = "/sys/fs/cgroup";
    internal const string SetprivPath = "/usr/bin/setpriv";

    private static readonly Lazy<Sandbox> HostSandbox = new(() => Detect());

    private Sandbox(string? bwrap, string? seccomp, bool dropInside, CgroupHost? cgroups, PrivateNetwork? network, SandboxStatus status)
    {
        Bwrap = bwrap;
        Seccomp = seccomp;
        DropPrivilegesInside = dropInside;
        Cgroups = cgroups;
        Network = network;
        Status = status;
    }

    /// <summary>This process's sandbox, probed on first use and then shared by every runner.</summary>
    public static Sandbox Host => HostSandbox.Value;

    public SandboxStatus Status { get; }

    /// <summary>The bubblewrap binary, or null when it does not work here.</summary>
    internal string? Bwrap { get; }

    /// <summary>Where a launcher opens the compiled seccomp filter (a memfd of this process), or null.</summary>
    internal string? Seccomp { get; }

    /// <summary>
    /// True when Fjord runs as root: bwrap then runs without a user namespace (a user namespace
    /// would map the sandbox uid back to host root) and setpriv drops to uid 65534 and clears every
    /// capability inside, so the function is a real unprivileged user on the host too.
    /// </summary>
    internal bool DropPrivilegesInside { get; }

    internal CgroupHost? Cgroups { get; }

    /// <summary>The tools that give a <c>network: true</c> function its own network, or null when missing.</summary>
    internal PrivateNetwork? Network { get; }

    /// <summary>
    /// Probes bubblewrap (by running <c>/bin/true</c> in a sandbox under the seccomp filter), the
    /// cgroup hierarchy and the network tools. <paramref name="owner"/> names the node (its data
    /// folder): its cgroups live in a subtree derived from it, and whatever a previous run of the
    /// same node left there (processes and groups) is killed and removed now. Without an owner the
    /// subtree is this process's own.
    /// </summary>
    public static Sandbox Detect(string? bwrapPath = null, string cgroupRoot = DefaultCgroupRoot, string? owner = null)
    {
        var warnings = new List<string>();
        var details = new List<string>();
        var problems = new Dictionary<string, string>(StringComparer.Ordinal);

        var dropInside = Libc.GetEffectiveUserId() == 0 && File.Exists(SetprivPath);
        bwrapPath ??= FindOnPath("bwrap");
        string? bwrap = null;
        string? seccomp = null;
        if (bwrapPath is null || !File.Exists(bwrapPath))
        {
            warnings.Add($"bubblewrap not found ({(bwrapPath is null ? "no bwrap on PATH" : bwrapPath + " is missing")}; apt-get install bubblewrap): function processes run UNSANDBOXED with the worker's rights");
            problems[SandboxStatus.Bubblewrap] = warnings[^1];
        }
        else
        {
            var bpf = SeccompFilter.Build(out var seccompProblem);
            seccomp = bpf is null ? null : SeccompFilter.Publish(bpf, out seccompProblem);
            if (seccomp is null)
            {
                warnings.Add($"no seccomp filter ({seccompProblem}): function processes can reach every system call");
                problems[SandboxStatus.SeccompPart] = warnings[^1];
            }
            if (ProbeBwrap(bwrapPath, dropInside, seccomp) is { } failure)
            {
                warnings.Add($"bubblewrap does not work here ({failure}): function processes run UNSANDBOXED with the worker's rights");
                problems[SandboxStatus.Bubblewrap] = warnings[^1];
                seccomp = null;
            }
            else
            {
                bwrap = bwrapPath;
                details.Add("bubblewrap isolation (uid 65534, no network, read-only system)");
                if (seccomp is not null)
                    details.Add($"seccomp filter ({SeccompFilter.Denied.Count + 2} system calls refused)");
            }
        }

        var scope = owner is null ? $"pid-{Environment.ProcessId}" : ScopeOf(owner);
        var cgroups = CgroupHost.Detect(cgroupRoot, "/proc/self/cgroup", scope, clearScope: owner is not null, out var cgroupProblem);
        if (cgroups is null)
        {
            warnings.Add($"no cgroup limits ({cgroupProblem}): memory, process and CPU limits are not enforced and a timeout cannot reach processes that left their group");
            problems[SandboxStatus.CgroupsPart] = warnings[^1];
        }
        else
            details.Add($"cgroup v{cgroups.Version} limits (memory, pids, cpu)");

        string? networkProblem = null;
        var network = bwrap is null ? null : PrivateNetwork.Detect(out networkProblem);
        if (bwrap is not null)
        {
            details.Add(network is not null
                ? "network: true gets its own network namespace (slirp4netns; no host loopback, no 169.254/16)"
                : $"network: true functions cannot start ({networkProblem})");
        }

        var warning = warnings.Count == 0 ? null : string.Join("; ", warnings);
        var detail = details.Count == 0 ? "unprotected" : string.Join(", ", details);
        var status = new SandboxStatus(bwrap is not null, cgroups is not null, cgroups?.Version, detail, warning)
        {
            Filtered = bwrap is not null && seccomp is not null,
            PrivateNetwork = network is not null,
            Problems = problems,
            BubblewrapPath = bwrap,
        };
        return new Sandbox(bwrap, seccomp, dropInside, cgroups, network, status);
    }

    /// <summary>Caps the memory of all this node's function processes together, in their cgroup subtree. False without cgroups.</summary>
    public bool CapMemory(long bytes)
    {
        if (Cgroups is null)
            return false;
        Cgroups.CapMemory(bytes);
        return true;
    }

    /// <summary>What the start-up sweep of this node's cgroups found of a previous run.</summary>
    public (int Killed, int Removed, int Kept) Leftovers =>
        Cgroups?.Leftovers is { } r ? (r.Killed, r.Removed, r.Kept) : (0, 0, 0);

    /// <summary>The cgroup subtree of the node that owns <paramref name="owner"/> (a data folder): stable across restarts, unique per folder.</summary>
    public static string ScopeOf(string owner) =>
        "node-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Path.GetFullPath(owner))))[..16];

    internal static string? FindOnPath(string program)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, program);
            if (File.Exists(candidate))
                return Path.GetFullPath(candidate);
        }
        return null;
    }

    private static string? ProbeBwrap(string bwrapPath, bool dropInside, string? seccomp)
    {
        var probe = new SandboxedCommand(FunctionDir: null, RuntimesDir: null, Network: false, TmpBytes: 1 << 20, ["/bin/true"]);
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        // Nothing of the node's environment reaches the probe (bwrap passes its own on).
        psi.Environment.Clear();
        psi.Environment["PATH"] = "/usr/bin:/bin";
        // The same fd plumbing as a function's launcher: the filter arrives on fd 9.
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("s=$1; shift; if [ -n \"$s\" ]; then exec \"$@\" 9<\"$s\"; fi; exec \"$@\"");
        psi.ArgumentList.Add("fjord-probe");
        psi.ArgumentList.Add(seccomp ?? "");
        psi.ArgumentList.Add(bwrapPath);
        foreach (var arg in BwrapArgs.Build(probe, dropInside, new BwrapExtras(Seccomp: seccomp is not null)))
            psi.ArgumentList.Add(arg);
        try
        {
            using var process = Process.Start(psi)!;
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(10_000))
            {
                process.Kill(entireProcessTree: true);
                return "probe timed out";
            }
            return process.ExitCode == 0 ? null : $"exit {process.ExitCode}: {stderr.Result.Trim()}";
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException)
        {
            return e.Message;
        }
    }
}
