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

    /// <summary>
    /// <paramref name="files"/> without anything at or under <paramref name="path"/>, plus
    /// <paramref name="overlay"/> placed there, still in ordinal order. npm's <c>.bin</c> folders
    /// (links to package scripts, meaningless once copied) are left out.
    /// </summary>
    public static List<(string Relative, string FullPath)> Overlay(List<(string Relative, string FullPath)> files, string path, List<(string Relative, string FullPath)> overlay)
    {
        var merged = files.Where(f => f.Relative != path && !f.Relative.StartsWith(path + "/", StringComparison.Ordinal)).ToList();
        merged.AddRange(overlay
            .Where(f => !f.Relative.StartsWith(".bin/", StringComparison.Ordinal) && !f.Relative.Contains("/.bin/", StringComparison.Ordinal))
            .Select(f => (path + "/" + f.Relative, f.FullPath)));
        merged.Sort((a, b) => string.CompareOrdinal(a.Item1, b.Item1));
        return merged;
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
