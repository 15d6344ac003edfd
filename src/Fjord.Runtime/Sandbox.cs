using System.Diagnostics;
using Fjord.Runtime.Processes;
using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime;

/// <summary>
/// How function processes are contained on this host, probed once: bubblewrap for isolation,
/// cgroups for limits. Runners use whatever works and run without the rest, never silently:
/// <see cref="Status"/> carries the warning that <see cref="SandboxReadiness"/> shows on /readyz.
/// </summary>
public sealed class Sandbox
{
    public const string DefaultBwrapPath = "/usr/bin/bwrap";
    public const string DefaultCgroupRoot = "/sys/fs/cgroup";
    internal const string SetprivPath = "/usr/bin/setpriv";

    private static readonly Lazy<Sandbox> HostSandbox = new(() => Detect());

    private Sandbox(string? bwrap, bool dropInside, CgroupHost? cgroups, SandboxStatus status)
    {
        Bwrap = bwrap;
        DropPrivilegesInside = dropInside;
        Cgroups = cgroups;
        Status = status;
    }

    /// <summary>This host's sandbox, probed on first use and then shared by every runner.</summary>
    public static Sandbox Host => HostSandbox.Value;

    public SandboxStatus Status { get; }

    /// <summary>The bubblewrap binary, or null when it does not work here.</summary>
    internal string? Bwrap { get; }

    /// <summary>
    /// True when Fjord runs as root: bwrap then runs without a user namespace (a user namespace
    /// would map the sandbox uid back to host root) and setpriv drops to uid 65534 and clears every
    /// capability inside, so the function is a real unprivileged user on the host too.
    /// </summary>
    internal bool DropPrivilegesInside { get; }

    internal CgroupHost? Cgroups { get; }

    /// <summary>Probes bubblewrap (by running <c>/bin/true</c> in a sandbox) and the cgroup hierarchy.</summary>
    public static Sandbox Detect(string bwrapPath = DefaultBwrapPath, string cgroupRoot = DefaultCgroupRoot)
    {
        var warnings = new List<string>();
        var details = new List<string>();

        var dropInside = Libc.GetEffectiveUserId() == 0 && File.Exists(SetprivPath);
        string? bwrap = null;
        if (!File.Exists(bwrapPath))
        {
            warnings.Add($"bubblewrap not found at {bwrapPath} (apt-get install bubblewrap): function processes run UNSANDBOXED with the worker's rights");
        }
        else if (ProbeBwrap(bwrapPath, dropInside) is { } failure)
        {
            warnings.Add($"bubblewrap does not work here ({failure}): function processes run UNSANDBOXED with the worker's rights");
        }
        else
        {
            bwrap = bwrapPath;
            details.Add("bubblewrap isolation (uid 65534, no network, read-only system)");
        }

        var cgroups = CgroupHost.Detect(cgroupRoot, "/proc/self/cgroup", out var cgroupProblem);
        if (cgroups is null)
            warnings.Add($"no cgroup limits ({cgroupProblem}): memory, process and CPU limits are not enforced and a timeout cannot reach processes that left their group");
        else
            details.Add($"cgroup v{cgroups.Version} limits");

        var warning = warnings.Count == 0 ? null : string.Join("; ", warnings);
        var detail = details.Count == 0 ? "unprotected" : string.Join(", ", details);
        var status = new SandboxStatus(bwrap is not null, cgroups is not null, cgroups?.Version, detail, warning);
        return new Sandbox(bwrap, dropInside, cgroups, status);
    }

    private static string? ProbeBwrap(string bwrapPath, bool dropInside)
    {
        var probe = new SandboxedCommand(FunctionDir: null, RuntimesDir: null, Network: false, TmpBytes: 1 << 20, ["/bin/true"]);
        var psi = new ProcessStartInfo(bwrapPath)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in BwrapArgs.Build(probe, dropInside))
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
