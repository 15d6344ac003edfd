using System.IO.Compression;
using System.Security.Cryptography;

namespace Fjord.Cli.Project;

/// <summary>A function's folder packed as a zip, and the zip's content hash (sha256 hex).</summary>
internal sealed record Bundle(byte[] Zip, string Hash, int FileCount);

/// <summary>
/// Packs a function's folder into a deterministic zip: the same files give the same bytes and
/// so the same hash, which lets the server store each bundle once and lets a redeploy of
/// unchanged code be a no-op. Determinism comes from sorted entries, a fixed timestamp, and
/// permission bits normalised to 0755/0644 (so a different umask does not change the hash,
/// while executables stay executable after extraction).
/// </summary>
internal static class BundleBuilder
{
    /// <summary>Zip's epoch is 1980; any fixed date inside its range would do.</summary>
    private static readonly DateTimeOffset FixedTime = new(2000, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private const int RegularFile = 0x8000; // S_IFREG
    private const UnixFileMode AnyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <param name="dependencies">Built dependencies to pack in place of whatever the folder holds at their path.</param>
    public static Bundle Build(string folder, Dependencies.DependencySet? dependencies = null)
    {
        var root = Path.GetFullPath(folder);
        if (!Directory.Exists(root))
            throw CliException.Usage($"'{root}' is not a folder");

        var files = BundleFiles.List(root);
        if (dependencies is not null)
            files = BundleFiles.Overlay(files, dependencies.BundlePath, BundleFiles.List(dependencies.Folder));
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (relative, fullPath) in files)
            {
                var entry = zip.CreateEntry(relative, CompressionLevel.Optimal);
                entry.LastWriteTime = FixedTime;
                entry.ExternalAttributes = ModeBits(fullPath) << 16;
                using var target = entry.Open();
                using var source = File.OpenRead(fullPath);
                source.CopyTo(target);
            }
        }
        var bytes = buffer.ToArray();
        return new Bundle(bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)), files.Count);
    }

    private static int ModeBits(string path)
    {
        var executable = !OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & AnyExecute) != 0;
        return RegularFile | (executable ? 0b111_101_101 : 0b110_100_100);
    }
}
