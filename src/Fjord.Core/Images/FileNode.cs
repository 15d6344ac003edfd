using System.Runtime.InteropServices;

namespace Fjord.Core.Images;

internal enum NodeKind
{
    None,
    Link,
    Directory,
    File,
}

/// <summary>File system questions asked without following symlinks (lstat semantics: a symlink is a
/// Link whatever it points at, even a directory or nothing).</summary>
internal static partial class FileNode
{
    public static NodeKind Kind(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is not null)
        {
            return NodeKind.Link;
        }
        if (Directory.Exists(path))
        {
            return NodeKind.Directory;
        }
        return info.Exists ? NodeKind.File : NodeKind.None;
    }

    /// <summary>Removes whatever is at <paramref name="path"/>; a symlink is unlinked, never followed.</summary>
    public static void Remove(string path)
    {
        switch (Kind(path))
        {
            case NodeKind.Directory:
                Directory.Delete(path, recursive: true);
                break;
            case NodeKind.Link:
            case NodeKind.File:
                File.Delete(path);
                break;
        }
    }

    public static void HardLink(string existing, string newPath)
    {
        if (Link(existing, newPath) != 0)
        {
            throw new IOException($"link failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    // link(2), unlike linkat with AT_SYMLINK_FOLLOW, never follows a symlink at `existing`.
    [LibraryImport("libc", EntryPoint = "link", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Link(string existing, string newPath);
}
