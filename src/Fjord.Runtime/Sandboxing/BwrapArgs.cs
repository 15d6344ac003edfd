using System.Globalization;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// The bubblewrap command line: a function sees the host's /usr read-only, a handful of /etc files,
/// its own folder read-only at <see cref="FunctionMount"/>, the shims at <see cref="RuntimesMount"/>,
/// a private size-capped /tmp, and nothing else of the host (no /root, no Fjord data, no /etc/shadow).
/// </summary>
internal static class BwrapArgs
{
    public const string FunctionMount = "/fn";
    public const string RuntimesMount = "/fjord/runtime";
    public const int SandboxUid = 65534;

    private static readonly string[] EtcAlways =
    [
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/ssl",
        "/etc/ca-certificates", "/etc/localtime", "/etc/nsswitch.conf", "/etc/mime.types",
        "/etc/python3", "/etc/python3.11",
    ];

    private static readonly string[] EtcNetwork =
        ["/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols"];

    /// <summary>bwrap's arguments followed by the command (prefixed by setpriv when we are root).</summary>
    public static List<string> Build(SandboxedCommand command, bool dropPrivilegesInside)
    {
        var a = new List<string>();
        if (dropPrivilegesInside)
        {
            // As root, a user namespace would map uid 65534 inside to root outside. Without one,
            // bwrap needs no user namespace and setpriv becomes a real unprivileged user below.
            a.AddRange(["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"]);
            if (!command.Network)
                a.Add("--unshare-net");
        }
        else
        {
            a.Add("--unshare-all");
            if (command.Network)
                a.Add("--share-net");
            a.AddRange(["--uid", Uid, "--gid", Uid, "--cap-drop", "ALL"]);
        }
        // No --clearenv/--setenv: bwrap passes on the environment it was started with, which the
        // runner set to exactly the function's (see SandboxedCommand).
        a.AddRange(["--die-with-parent", "--new-session"]);

        a.AddRange(["--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "01777", "--size", command.TmpBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/etc"]);
        foreach (var path in command.Network ? EtcAlways.Concat(EtcNetwork) : EtcAlways)
            a.AddRange(["--ro-bind-try", path, path]);

        if (command.RuntimesDir is { } runtimes)
            a.AddRange(["--perms", "0755", "--dir", "/fjord", "--ro-bind", runtimes, RuntimesMount]);
        if (command.FunctionDir is { } dir)
            a.AddRange(["--ro-bind", dir, FunctionMount, "--chdir", FunctionMount]);
        else
            a.AddRange(["--chdir", "/tmp"]);
        var secrets = command.Secrets ?? [];
        a.AddRange(SecretMounts.BwrapOptions(secrets));

        a.Add("--");
        a.AddRange(SecretMounts.OwnershipPrefix(secrets, dropPrivilegesInside, SandboxUid));
        if (dropPrivilegesInside)
        {
            a.AddRange([Sandbox.SetprivPath, $"--reuid={Uid}", $"--regid={Uid}", "--clear-groups",
                "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]);
        }
        a.AddRange(command.Command);
        return a;
    }

    private static string Uid => SandboxUid.ToString(CultureInfo.InvariantCulture);
}
