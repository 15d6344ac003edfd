using System.IO.Compression;

namespace Fjord.Core.Functions;

/// <summary>
/// A function's code bundle (a zip), as the gateway checks it before storing and a worker unpacks
/// it. The rules are the same on both sides, because a bundle in the store may predate a rule:
/// every entry relative and inward (no zip-slip), each name once, at most <see cref="MaxEntries"/>
/// entries, and at most a given number of bytes once unpacked (a zip bomb is small on the wire).
/// The bytes are counted as they come out of the decompressor, not taken from the sizes the zip
/// declares, which an attacker writes. Unpacked files get 0755 when any execute bit was set and
/// 0644 otherwise, folders 0755: no setuid, no world-writable file, whatever the zip says.
/// </summary>
public static class BundleArchive
{
    public const long DefaultMaxUnpackedBytes = 512L * 1024 * 1024;

    public const int MaxEntries = 100_000;

    private const UnixFileMode Executable = (UnixFileMode)0b111_101_101;
    private const UnixFileMode Regular = (UnixFileMode)0b110_100_100;
    private const int AnyExecuteBit = 0b001_001_001;

    /// <summary>Null when <paramref name="zip"/> may be stored and unpacked; else what is wrong, in one line.</summary>
    public static string? Problem(byte[] zip, long maxUnpackedBytes)
    {
        try
        {
            Walk(zip, maxUnpackedBytes, target: null);
            return null;
        }
        catch (InvalidDataException e)
        {
            return e.Message;
        }
    }

    /// <summary>
    /// Unpacks <paramref name="zip"/> into <paramref name="folder"/> (which should not exist yet).
    /// Throws <see cref="InvalidDataException"/> when the bundle breaks a rule; what was written
    /// by then stays for the caller to delete.
    /// </summary>
    public static void Extract(byte[] zip, string folder, long maxUnpackedBytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        Walk(zip, maxUnpackedBytes, Path.GetFullPath(folder));
    }

    private static void Walk(byte[] zip, long maxUnpackedBytes, string? target)
    {
        ArgumentNullException.ThrowIfNull(zip);
        using var archive = Open(zip);
        if (archive.Entries.Count > MaxEntries)
            throw new InvalidDataException($"the bundle has more than {MaxEntries} entries");
        if (target is not null)
            CreateFolder(target);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var buffer = new byte[81920];
        long total = 0;
        foreach (var entry in archive.Entries)
        {
            var segments = Segments(entry.FullName);
            var relative = string.Join('/', segments);
            if (relative.Length == 0)
                continue; // "./" and the like: the folder itself
            if (!seen.Add(relative))
                throw new InvalidDataException($"entry '{entry.FullName}' appears twice");
            var isFolder = entry.FullName.EndsWith('/') || entry.FullName.EndsWith('\\');
            var path = target is null ? null : Path.Combine(target, Path.Combine(segments));
            if (isFolder)
            {
                if (path is not null)
                    CreateFolders(path);
                continue;
            }
            if (entry.Length > maxUnpackedBytes - total)
                throw TooLarge(maxUnpackedBytes);
            using var source = entry.Open();
            using var sink = path is null ? Stream.Null : CreateFile(target!, path, ((entry.ExternalAttributes >> 16) & AnyExecuteBit) != 0);
            int read;
            while ((read = source.Read(buffer)) > 0)
            {
                total += read;
                if (total > maxUnpackedBytes)
                    throw TooLarge(maxUnpackedBytes);
                sink.Write(buffer, 0, read);
            }
        }
    }

    private static ZipArchive Open(byte[] zip)
    {
        try
        {
            return new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException("the body is not a readable zip: " + e.Message, e);
        }
    }

    /// <summary>The entry's path segments without "." and empty ones; refuses absolute, climbing and NUL names.</summary>
    private static string[] Segments(string fullName)
    {
        var path = fullName.Replace('\\', '/');
        string? reason = null;
        if (path.Length == 0)
            reason = "has an empty name";
        else if (path[0] == '/' || (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])))
            reason = "is an absolute path";
        else if (path.Contains('\0', StringComparison.Ordinal))
            reason = "contains a NUL character";
        var segments = path.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(s => s != ".").ToArray();
        if (reason is null && segments.Contains(".."))
            reason = "climbs out of the function folder with '..'";
        return reason is null ? segments : throw new InvalidDataException($"entry '{fullName}' {reason}");
    }

    private static InvalidDataException TooLarge(long max) =>
        new($"the bundle unpacks to more than {Quantity.FormatBytes(max)} (the node's --max-bundle-unpacked); {LargeHint}");

    /// <summary>What to do about a bundle over the limits: usually a dependency set grown too big for a folder function.</summary>
    public const string LargeHint = "dependencies this large belong in an image: build one with docker, `docker save -o images/NAME.tar IMAGE`, and name it with `image: images/NAME.tar` in fjord.yml (docs/functions.md#images)";

    private static void CreateFolder(string path)
    {
        Directory.CreateDirectory(path);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, Executable);
    }

    /// <summary>Each missing folder on the way gets 0755 too, not whatever the umask makes of a plain mkdir.</summary>
    private static void CreateFolders(string folder)
    {
        if (Directory.Exists(folder))
            return;
        CreateFolders(Path.GetDirectoryName(folder)!);
        CreateFolder(folder);
    }

    private static FileStream CreateFile(string root, string path, bool executable)
    {
        // Segments cannot climb, but the check is cheap and makes the promise local.
        if (!path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            throw new InvalidDataException($"entry '{path}' leaves the function folder");
        CreateFolders(Path.GetDirectoryName(path)!);
        var mode = executable ? Executable : Regular;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = mode;
        var stream = new FileStream(path, options);
        // The umask may have taken bits away at creation (0644 under umask 077 is 0600, and the
        // sandboxed uid could not read it): chmod sets the mode exactly.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(stream.SafeFileHandle, mode);
        return stream;
    }
}
