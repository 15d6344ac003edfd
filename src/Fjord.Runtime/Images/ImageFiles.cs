using System.Text;

namespace Fjord.Runtime.Images;

/// <summary>
/// Reads paths inside an image's root from the host as the function would see them, without ever
/// leaving the root: each component is looked at without following it (lstat), and a symlink is
/// resolved against the image's root, as a chroot would (<c>/etc/passwd -> /usr/share/base/passwd</c>
/// stays in the image; <c>../../../../etc/shadow</c> stops at the image's <c>/</c>). The root is
/// Fjord's own composed copy, which nothing changes while it is in use.
/// </summary>
internal static class ImageFiles
{
    private const int MaxLinks = 40;

    /// <summary>
    /// The host path of <paramref name="path"/> (absolute inside the image) with every symlink
    /// resolved inside <paramref name="root"/>, or null when it does not exist (or loops).
    /// </summary>
    public static string? Resolve(string root, string path)
    {
        var pending = new Stack<string>(Split(path).Reverse());
        var resolved = new List<string>();
        var links = 0;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
                continue;
            if (part == "..")
            {
                if (resolved.Count > 0)
                    resolved.RemoveAt(resolved.Count - 1);
                continue;
            }
            var host = HostPath(root, resolved, part);
            var info = new FileInfo(host);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks)
                    return null;
                if (target.StartsWith('/'))
                    resolved.Clear();
                foreach (var step in Split(target).Reverse())
                    pending.Push(step);
                continue;
            }
            if (!info.Exists && !Directory.Exists(host))
                return null;
            // Only a directory can have children: "file/x" does not exist.
            if (pending.Count > 0 && !Directory.Exists(host))
                return null;
            resolved.Add(part);
        }
        return HostPath(root, resolved, null);
    }

    /// <summary>A regular file's text, at most <paramref name="maxBytes"/> of it; null when it is missing or not a file.</summary>
    public static string? ReadText(string root, string path, int maxBytes = 1 << 20)
    {
        if (Resolve(root, path) is not { } host || !File.Exists(host))
            return null;
        using var stream = new FileStream(host, FileMode.Open, FileAccess.Read);
        var buffer = new byte[(int)Math.Min(maxBytes, stream.Length)];
        stream.ReadExactly(buffer);
        return Encoding.UTF8.GetString(buffer);
    }

    public static bool IsDirectory(string root, string path) => Resolve(root, path) is { } host && Directory.Exists(host);

    /// <summary>True when <paramref name="path"/> is a regular file someone may execute.</summary>
    public static bool IsExecutable(string root, string path)
    {
        if (Resolve(root, path) is not { } host || !File.Exists(host) || OperatingSystem.IsWindows())
            return false;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return (File.GetUnixFileMode(host) & anyExecute) != 0;
    }

    /// <summary>The first of <paramref name="names"/> found as an executable on <paramref name="searchPath"/> (a PATH value), as the image sees it.</summary>
    public static string? FindOnPath(string root, string searchPath, IEnumerable<string> names)
    {
        var dirs = searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries).Where(d => d.StartsWith('/')).ToList();
        foreach (var name in names)
        {
            foreach (var dir in dirs)
            {
                var candidate = dir.TrimEnd('/') + "/" + name;
                if (IsExecutable(root, candidate))
                    return candidate;
            }
        }
        return null;
    }

    /// <summary>Joins <paramref name="path"/> to <paramref name="dir"/> as the image sees them (a relative path is relative to dir).</summary>
    public static string Join(string dir, string path) =>
        path.StartsWith('/') ? path : (dir.TrimEnd('/') + "/" + path);

    private static string[] Split(string path) => path.Split('/', StringSplitOptions.RemoveEmptyEntries);

    private static string HostPath(string root, List<string> resolved, string? next)
    {
        var parts = new List<string>(resolved.Count + 2) { root };
        parts.AddRange(resolved);
        if (next is not null)
            parts.Add(next);
        return Path.Combine([.. parts]);
    }
}
