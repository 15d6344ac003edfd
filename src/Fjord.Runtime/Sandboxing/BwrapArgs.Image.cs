using System.Globalization;
using Fjord.Runtime.Images;

namespace Fjord.Runtime.Sandboxing;

internal static partial class BwrapArgs
{
    /// <summary>
    /// The rest of an image's command line: its root's top-level entries bound read-only at the same
    /// places (symlinks such as /bin -> usr/bin recreated), on bwrap's tmpfs root, which is made
    /// read-only last; fresh /proc and /dev, the size-capped /tmp; nothing of the host's /etc (a
    /// network function gets a resolv.conf of Fjord's, <see cref="BwrapExtras.ResolvConf"/>); the
    /// shims, the function's folder and its secrets as for any function; the image's WorkingDir.
    /// </summary>
    private static void AddImage(List<string> a, RunnableImage image, SandboxedCommand command, BwrapExtras extras)
    {
        var resolv = command.Network ? extras.ResolvConf : null;
        foreach (var entry in image.TopLevel)
        {
            if (resolv is not null && entry.Name == "etc")
                continue;
            AddEntry(a, entry, "/" + entry.Name);
        }
        a.AddRange(["--proc", "/proc", "--dev", "/dev",
            "--perms", "01777", "--size", command.TmpBytes.ToString(CultureInfo.InvariantCulture), "--tmpfs", "/tmp"]);
        if (resolv is not null)
        {
            // A read-only bind cannot take a new file: the image's /etc is rebuilt entry by entry
            // around Fjord's resolv.conf (the image's own, if any, names a resolver of its builder's).
            a.AddRange(["--perms", "0755", "--dir", "/etc"]);
            foreach (var entry in image.Etc ?? [])
            {
                if (entry.Name != "resolv.conf")
                    AddEntry(a, entry, "/etc/" + entry.Name);
            }
            a.AddRange(["--ro-bind", resolv, "/etc/resolv.conf"]);
        }
        if (command.RuntimesDir is { } runtimes)
            a.AddRange(["--perms", "0755", "--dir", "/fjord", "--ro-bind", runtimes, RuntimesMount]);
        if (command.FunctionDir is { } dir)
            a.AddRange(["--ro-bind", dir, FunctionMount]);
        a.AddRange(SecretMounts.BwrapOptions(command.Secrets ?? []));
        a.AddRange(["--remount-ro", "/", "--chdir", image.WorkingDir, "--"]);
        a.AddRange(command.Command);
    }

    private static void AddEntry(List<string> a, RootEntry entry, string at)
    {
        if (entry.LinkTarget is { } target)
            a.AddRange(["--symlink", target, at]);
        else
            a.AddRange(["--ro-bind", entry.HostPath, at]);
    }
}
