namespace Fjord.Runtime.Shims;

/// <summary>
/// The runtimes' shims (runtimes/python, runtimes/node, ...) are embedded in this assembly, so a
/// single-file <c>fjord</c> binary carries them. A build from source finds them beside the assembly;
/// a published binary writes them out once per start into a folder of the node's own (never a shared
/// temp folder, where another user could plant a shim first), which bubblewrap then mounts read-only.
/// </summary>
public static class EmbeddedShims
{
    private const string Prefix = "runtimes/";

    /// <summary>Readable by the sandbox's unprivileged user; written by the node alone.</summary>
    private const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode FolderMode = FileMode | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;

    /// <summary>The shims' names in the assembly, as relative paths (python/fjord_shim.py, ...).</summary>
    public static IReadOnlyList<string> Names { get; } = [.. typeof(EmbeddedShims).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal))
        .Select(n => n[Prefix.Length..])
        .Order(StringComparer.Ordinal)];

    /// <summary>
    /// The folder with the shims: <c>runtimes/</c> beside the assembly when every shim is there
    /// (a build from source), else <paramref name="extractTo"/> filled from the embedded copies.
    /// </summary>
    public static string Locate(string extractTo)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "runtimes");
        return Names.All(n => File.Exists(Path.Combine(beside, n))) ? beside : Extract(extractTo);
    }

    /// <summary>Writes every embedded shim under <paramref name="folder"/> (0755 folders, 0644 files); an unchanged file is left alone.</summary>
    public static string Extract(string folder)
    {
        var assembly = typeof(EmbeddedShims).Assembly;
        CreateFolder(folder);
        foreach (var name in Names)
        {
            var target = Path.Combine(folder, name);
            CreateFolder(Path.GetDirectoryName(target)!);
            using var resource = assembly.GetManifestResourceStream(Prefix + name)!;
            using var buffer = new MemoryStream();
            resource.CopyTo(buffer);
            var bytes = buffer.ToArray();
            if (File.Exists(target) && File.ReadAllBytes(target).AsSpan().SequenceEqual(bytes))
                continue;
            // Written beside and renamed over: a function process starting meanwhile reads the old
            // shim or the new one, never half of one.
            var temporary = target + ".tmp";
            File.Delete(temporary);
            File.WriteAllBytes(temporary, bytes);
            SetMode(temporary, FileMode);
            File.Move(temporary, target, overwrite: true);
        }
        return folder;
    }

    private static void CreateFolder(string path)
    {
        Directory.CreateDirectory(path);
        SetMode(path, FolderMode);
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, mode);
    }
}
