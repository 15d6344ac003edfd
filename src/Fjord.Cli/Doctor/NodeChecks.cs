using System.Net;
using System.Net.Sockets;
using Fjord.Runtime;

namespace Fjord.Cli.Doctor;

/// <summary>
/// The checks of `fjord doctor`, each a fact about this host that a node needs. `fjord up`,
/// `fjord gateway` and `fjord worker` run the local ones (data folder, port) before they start,
/// stop at the first blocking failure with its line and log the others as warnings; the sandbox's
/// lines come from the same probe the node uses.
/// </summary>
internal static class NodeChecks
{
    /// <summary>Below this, the store's next checkpoint or a bundle's unpacking may fail.</summary>
    internal const long MinFreeBytes = 1L << 30;

    /// <summary>bubblewrap, user namespaces, cgroups and seccomp, from one probe of the sandbox.</summary>
    public static IEnumerable<DoctorCheck> Sandbox(SandboxStatus status, bool root)
    {
        yield return status.Problems.TryGetValue(SandboxStatus.Bubblewrap, out var bwrap)
            ? DoctorCheck.Fail("bubblewrap", bwrap, "apt-get install bubblewrap; a non-root node also needs user namespaces (next line)")
            : DoctorCheck.Pass("bubblewrap", $"{status.BubblewrapPath} runs a sandbox (isolated namespaces, uid 65534)");
        yield return UserNamespaces(root, status.Isolated);
        yield return status.Problems.TryGetValue(SandboxStatus.CgroupsPart, out var cgroups)
            ? DoctorCheck.Fail("cgroups", cgroups, status.CgroupVersion == 1 || File.Exists("/sys/fs/cgroup/cgroup.controllers")
                ? "cgroup v2: run the node from the package's systemd unit (Delegate=yes) or: systemd-run --scope -p Delegate=yes fjord up"
                : "cgroup v1: mount the memory, pids and cpu controllers and run the node as root")
            : DoctorCheck.Pass("cgroups", $"v{status.CgroupVersion}: memory, pids and cpu controllers writable");
        yield return status.Filtered
            ? DoctorCheck.Pass("seccomp", "filter built and accepted by bubblewrap")
            : DoctorCheck.Fail("seccomp", status.Problems.TryGetValue(SandboxStatus.SeccompPart, out var seccomp) ? seccomp : "not in force: bubblewrap does not run (see above)",
                "apt-get install libseccomp2 (and a working bubblewrap)");
    }

    /// <summary>
    /// bubblewrap needs user namespaces unless the node runs as root (then setpriv drops to uid 65534
    /// inside instead). The package's node runs as the fjord user, so this matters there.
    /// </summary>
    internal static DoctorCheck UserNamespaces(bool root, bool bwrapWorks, string procSys = "/proc/sys")
    {
        static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        if (Read(Path.Combine(procSys, "user/max_user_namespaces")) == "0")
            return DoctorCheck.Fail("user namespaces", "user.max_user_namespaces is 0", "sysctl -w user.max_user_namespaces=15000 (and in /etc/sysctl.d/)");
        if (!root && Read(Path.Combine(procSys, "kernel/unprivileged_userns_clone")) == "0")
            return DoctorCheck.Fail("user namespaces", "kernel.unprivileged_userns_clone is 0: a non-root bubblewrap cannot start", "sysctl -w kernel.unprivileged_userns_clone=1 (and in /etc/sysctl.d/)");
        if (!root && !bwrapWorks && Read(Path.Combine(procSys, "kernel/apparmor_restrict_unprivileged_userns")) == "1")
            return DoctorCheck.Fail("user namespaces", "AppArmor restricts unprivileged user namespaces", "install an AppArmor profile for /usr/bin/bwrap with 'userns,' or sysctl -w kernel.apparmor_restrict_unprivileged_userns=0");
        return DoctorCheck.Pass("user namespaces", root
            ? "not needed as root (setpriv drops to uid 65534 inside); the package's fjord user needs them: run doctor as that user too"
            : "available to this user");
    }

    /// <summary>
    /// The data folder: creatable or writable by this user (a start needs it), and with at least
    /// 1 GiB free (advice: a non-blocking failure).
    /// </summary>
    public static DoctorCheck DataFolder(string path, long minFreeBytes = MinFreeBytes)
    {
        var full = Path.GetFullPath(path);
        var existing = full;
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            if (File.Exists(existing))
                return DoctorCheck.Fail("data folder", $"{existing} is a file, so {full} cannot be a folder", "use --data with a folder path");
            existing = parent;
        }
        var probe = Path.Combine(existing, $".fjord-doctor-{Environment.ProcessId}");
        try
        {
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return DoctorCheck.Fail("data folder", $"{existing} is not writable by this user ({e.Message})", $"chown the folder to the node's user (the package: chown fjord: /var/lib/fjord) or use --data");
        }
        var free = new DriveInfo(existing).AvailableFreeSpace;
        if (free < minFreeBytes)
            return DoctorCheck.Warn("data folder", $"{full}: only {free >> 20} MiB free on its disk", $"free space or move --data to a disk with at least {minFreeBytes >> 20} MiB");
        var mode = existing == full && !OperatingSystem.IsWindows() ? File.GetUnixFileMode(full) : (UnixFileMode?)null;
        var looser = mode is { } m && (m & (UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute)) != 0;
        return DoctorCheck.Pass("data folder", $"{full} {(existing == full ? "writable" : "will be created")}, {free >> 30} GiB free{(looser ? " (open to others now; the node closes it to 0700 at start)" : "")}");
    }

    /// <summary>The HTTP port: free to listen on at this address.</summary>
    public static DoctorCheck Port(string host, int port)
    {
        if (!IPAddress.TryParse(host, out var address))
            return DoctorCheck.Fail("port", $"--host '{host}' is not an IP address", "pass an address such as 127.0.0.1 or 0.0.0.0");
        var listener = new TcpListener(address, port);
        try
        {
            listener.Start();
            return DoctorCheck.Pass("port", $"{host}:{port} is free");
        }
        catch (SocketException e)
        {
            return DoctorCheck.Fail("port", $"{host}:{port} cannot be listened on ({e.Message})", $"stop what holds it (ss -ltnp 'sport = :{port}') or choose another --port");
        }
        finally
        {
            listener.Stop();
        }
    }

    /// <summary>
    /// Runs <paramref name="checks"/> in order up to the first blocking failure, which becomes a CLI
    /// error (exit 1) so a node stops on one line; the checks after it do not run. Returns the
    /// non-blocking failures before it, for the node to log as warnings.
    /// </summary>
    public static IReadOnlyList<DoctorCheck> StopAtFirstBlockingFailure(IEnumerable<DoctorCheck> checks)
    {
        var warnings = new List<DoctorCheck>();
        foreach (var check in checks.Where(c => !c.Ok))
        {
            if (check.Blocks)
                throw CliException.Failed($"doctor: {check.Line}");
            warnings.Add(check);
        }
        return warnings;
    }
}
