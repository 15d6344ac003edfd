namespace Fjord.Cli.Project;

/// <summary>Which files of a function's folder go into its bundle, in a stable order.</summary>
internal static class BundleFiles
{
    /// <summary>Folders that are never code: version control, bytecode caches, build caches.</summary>
    private static readonly string[] SkippedFolders = [".git", "__pycache__", "node_modules/.cache"];

    /// <summary>
    /// Every file under <paramref name="root"/> as (zip path with '/', full path), sorted by zip
    /// path with ordinal comparison so the order never depends on the file system or culture.
    /// Symbolic links are followed (a shared `lib -> ../lib` is common), except links back into
    /// a folder already being walked, which would never end.
    /// </summary>
    public static List<(string Relative, string FullPath)> List(string root)
    {
        var files = new List<(string, string)>();
        Walk(root, "", [Path.GetFullPath(root)], files);
        files.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return files;
    }

    private static void Walk(string folder, string prefix, HashSet<string> ancestors, List<(string, string)> files)
    {
        foreach (var entry in new DirectoryInfo(folder).EnumerateFileSystemInfos())
        {
            var relative = prefix + entry.Name;
            if (entry is DirectoryInfo directory)
            {
                if (SkippedFolders.Contains(relative) || SkippedFolders.Contains(entry.Name) || relative.EndsWith("/node_modules/.cache", StringComparison.Ordinal))
                    continue;
                var real = RealPath(directory);
                if (!ancestors.Add(real))
                    continue;
                Walk(directory.FullName, relative + "/", ancestors, files);
                ancestors.Remove(real);
            }
            else if (entry is FileInfo file && (file.LinkTarget is null || file.ResolveLinkTarget(returnFinalTarget: true) is { Exists: true }))
            {
                files.Add((relative, file.FullName));
            }
        }
    }

    private static string RealPath(DirectoryInfo directory) =>
        directory.LinkTarget is null ? directory.FullName : directory.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? directory.FullName;
}
