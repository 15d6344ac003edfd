using System.Formats.Tar;

namespace Fjord.Core.Images;

/// <summary>What unpacking one layer did.</summary>
public sealed record UnpackedLayer(string Path, string DiffId, long Bytes, int Skipped);

/// <summary>
/// Writes one layer tar into an empty folder it owns, keeping whiteout markers (<c>.wh.NAME</c>,
/// <c>.wh..wh..opq</c>) as empty files for <see cref="RootComposer"/>. Whatever the archive says, it never
/// writes outside that folder: absolute names, <c>..</c> and entries whose parent is a symlink are refused,
/// hard links must name a regular file of the same layer, device nodes and fifos are skipped, setuid,
/// setgid and sticky bits are stripped, and file content is bounded by <see cref="ImageLimits.MaxUnpackedBytes"/>.
/// Symlinks are created with their text as given (they may point anywhere) and are never followed here.
/// Owners are not kept: the unpacked tree belongs to the node's user (rootless).
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class LayerUnpacker
{
    internal const string WhiteoutPrefix = ".wh.";
    internal const string OpaqueMarker = ".wh..wh..opq";
    private const UnixFileMode Stripped = UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit;
    private const UnixFileMode OwnerAll = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>Unpacks <paramref name="tar"/> (uncompressed) into <paramref name="folder"/>; returns the
    /// bytes written and the entries skipped.</summary>
    public static (long Bytes, int Skipped) Unpack(Stream tar, string folder, ImageLimits limits)
    {
        folder = Path.GetFullPath(folder);
        long bytes = 0;
        int skipped = 0, count = 0;
        using var reader = new TarReader(tar, leaveOpen: true);
        try
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (++count > limits.MaxEntries)
                {
                    throw new InvalidImageException($"the layer has more than {limits.MaxEntries} entries");
                }
                var name = SafeName(entry.Name);
                if (name.Length == 0 || IsAufsMetadata(name))
                {
                    continue;
                }
                if (entry.EntryType is TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo)
                {
                    skipped++;
                    continue;
                }
                var path = Prepare(folder, name);
                var mode = entry.Mode & ~Stripped;
                switch (entry.EntryType)
                {
                    case TarEntryType.Directory:
                        if (FileNode.Kind(path) != NodeKind.Directory)
                        {
                            FileNode.Remove(path);
                            Directory.CreateDirectory(path);
                        }
                        File.SetUnixFileMode(path, mode | OwnerAll);
                        break;
                    case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                        FileNode.Remove(path);
                        using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                        {
                            if (entry.DataStream is not null)
                            {
                                bytes += BoundedCopy.Run(entry.DataStream, output, null, limits.MaxUnpackedBytes - bytes, "the unpacked layer");
                            }
                        }
                        // Owner read, so a mode-0000 file (RHEL's /etc/shadow) can still be copied into a root by a non-root node.
                        File.SetUnixFileMode(path, mode | UnixFileMode.UserRead);
                        break;
                    case TarEntryType.SymbolicLink:
                        FileNode.Remove(path);
                        File.CreateSymbolicLink(path, entry.LinkName);
                        break;
                    case TarEntryType.HardLink:
                        var target = Path.Combine(folder, SafeName(entry.LinkName));
                        CheckParents(folder, SafeName(entry.LinkName));
                        if (FileNode.Kind(target) != NodeKind.File || target == path)
                        {
                            throw new InvalidImageException($"hard link '{entry.Name}' must name a regular file earlier in the same layer, not '{entry.LinkName}'");
                        }
                        FileNode.Remove(path);
                        FileNode.HardLink(target, path);
                        break;
                    default:
                        skipped++;
                        break;
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidImageException("not a readable layer tar: " + e.Message);
        }
        return (bytes, skipped);
    }

    /// <summary>The entry's relative name, or a refusal for names that could leave the folder.</summary>
    internal static string SafeName(string name)
    {
        if (name.StartsWith('/'))
        {
            throw new InvalidImageException($"absolute path '{name}' in a layer");
        }
        var parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToList();
        if (parts.Contains("..") || parts.Any(p => p.Contains('\0')))
        {
            throw new InvalidImageException($"path '{name}' leaves the layer");
        }
        var last = parts.LastOrDefault();
        if (last is not null && last != OpaqueMarker && last.StartsWith(WhiteoutPrefix, StringComparison.Ordinal)
            && last.Length == WhiteoutPrefix.Length)
        {
            throw new InvalidImageException($"whiteout '{name}' names nothing");
        }
        return string.Join('/', parts);
    }

    // aufs's hard-link bookkeeping (.wh..wh.plnk, .wh..wh.aufs) is not content.
    private static bool IsAufsMetadata(string name) =>
        name.Split('/')[^1] is var last && last.StartsWith(WhiteoutPrefix + WhiteoutPrefix, StringComparison.Ordinal) && last != OpaqueMarker;

    /// <summary>Creates missing parents as real directories and refuses a parent that is a symlink or a file,
    /// so nothing below is ever written through a link.</summary>
    private static string Prepare(string folder, string name)
    {
        CheckParents(folder, name, create: true);
        return Path.Combine(folder, name);
    }

    private static void CheckParents(string folder, string name, bool create = false)
    {
        var parts = name.Split('/');
        var current = folder;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            current = Path.Combine(current, parts[i]);
            switch (FileNode.Kind(current))
            {
                case NodeKind.Directory:
                    continue;
                case NodeKind.None when create:
                    Directory.CreateDirectory(current);
                    continue;
                case NodeKind.Link:
                    throw new InvalidImageException($"'{name}' would be written through the symlink '{string.Join('/', parts[..(i + 1)])}'");
                default:
                    throw new InvalidImageException($"'{name}' has a parent that is not a directory");
            }
        }
    }
}
