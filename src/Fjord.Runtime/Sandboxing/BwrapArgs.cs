using System.Globalization;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// The bubblewrap command line: a function sees the host's /usr read-only, a handful of /etc files,
/// its own folder read-only at <see cref="FunctionMount"/>, the shims at <see cref="RuntimesMount"/>,
/// a private size-capped /tmp, and nothing else of the host (no /root, no Fjord data, no /etc/shadow).
/// </summary>
internal static partial class BwrapArgs
{
    public const string FunctionMount = "/fn";
    public const string RuntimesMount = "/fjord/runtime";
    public const int SandboxUid = 65534;

    private static readonly string[] EtcAlways =
    [
        "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives", "/etc/ssl",
        "/etc/ca-certificates", "/etc/localtime", "/etc/nsswitch.conf", "/etc/mime.types",
        "/etc/python3", "/etc/python3.11", "/etc/php",
    ];

    private static readonly string[] EtcNetwork =
        ["/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf", "/etc/services", "/etc/protocols"];

    /// <summary>bwrap's arguments followed by the command (prefixed by setpriv when we are root).</summary>
    public static List<string> Build(SandboxedCommand command, bool dropPrivilegesInside, BwrapExtras extras = default)
    {
        var a = new List<string>();
        var hostNetwork = command.Network && !extras.PrivateNetwork;
        var image = command.Image;
        // An image has no setpriv of ours to drop privileges with inside: its sandbox is always a
        // user namespace, entered already unprivileged (FunctionProcess drops to the image's user first).
        if (dropPrivilegesInside && image is null)
        {
            // As root, a user namespace would map uid 65534 inside to root outside. Without one,
            // bwrap needs no user namespace and setpriv becomes a real unprivileged user below.
            a.AddRange(["--unshare-ipc", "--unshare-pid", "--unshare-uts", "--unshare-cgroup-try"]);
            if (!hostNetwork)
                a.Add("--unshare-net");
        }
        else
        {
            // Unprivileged bwrap lives in a user namespace: the function may not make another.
            a.AddRange(["--unshare-all", "--unshare-user", "--disable-userns"]);
            if (hostNetwork)
                a.Add("--share-net");
            a.AddRange(["--uid", Id(image?.User.Uid ?? SandboxUid), "--gid", Id(image?.User.Gid ?? SandboxUid), "--cap-drop", "ALL"]);
        }
        if (extras.Seccomp)
            a.AddRange(["--seccomp", SeccompFd]);
        if (extras.PrivateNetwork)
            a.AddRange(["--block-fd", BlockFd]);
        // No --clearenv/--setenv: bwrap passes on the environment it was started with, which the
        // runner set to exactly the function's (see SandboxedCommand).
        a.AddRange(["--die-with-parent", "--new-session"]);

        if (image is not null)
        {
            AddImage(a, image, command, extras);
            return a;
        }

        a.AddRange(["--ro-bind", "/usr", "/usr",
            "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--symlink", "usr/sbin", "/sbin",
            "--proc", "/proc", "--dev", "/dev",
            "--perms", "01777", "--size", command.TmpBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", "/tmp",
            "--perms", "0755", "--dir", "/etc"]);
        foreach (var path in command.Network ? EtcAlways.Concat(EtcNetwork) : EtcAlways)
        {
            // Behind slirp4netns the resolver is its DNS forwarder, whatever the host uses.
            if (path == "/etc/resolv.conf" && extras.ResolvConf is { } resolv)
                a.AddRange(["--ro-bind", resolv, path]);
            else
                a.AddRange(["--ro-bind-try", path, path]);
        }

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

    /// <summary>The fd the launcher opens the compiled seccomp filter on (<c>9&lt;file</c>).</summary>
    public const string SeccompFd = "9";

    /// <summary>The fd bwrap waits on before it runs the function, while its network is set up.</summary>
    public const string BlockFd = "8";

    private static string Uid => Id(SandboxUid);

    private static string Id(int id) => id.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// What bwrap gets beyond the command: <see cref="Seccomp"/>, the filter on fd 9;
/// <see cref="PrivateNetwork"/>, a network namespace of its own even for <c>network: true</c>, held
/// on fd 8 until slirp4netns has set it up, with <see cref="ResolvConf"/> as /etc/resolv.conf.
/// </summary>
internal readonly record struct BwrapExtras(bool Seccomp = false, bool PrivateNetwork = false, string? ResolvConf = null);
