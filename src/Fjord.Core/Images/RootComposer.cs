namespace Fjord.Core.Images;

/// <summary>
/// Builds an image's root folder by copying its cached layers bottom first, applying each layer's
/// whiteouts to the layers below it: <c>.wh..wh..opq</c> empties its directory first, <c>.wh.NAME</c>
/// removes NAME, then the layer's own entries are copied. Copying (rather than stacking with an overlay
/// mount at run time) keeps the cache untouched and needs no mount privilege; the root is mounted
/// read-only into the sandbox. Hard links within a layer become separate copies in the root.
/// The composer only descends into directories it has checked are real directories, and replaces a
/// lower layer's symlink rather than writing through it, so nothing is written outside the root.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class RootComposer
{
    private const string WhiteoutPrefix = LayerUnpacker.WhiteoutPrefix;
    private const string OpaqueMarker = LayerUnpacker.OpaqueMarker;

    public static void Compose(IEnumerable<string> layerFolders, string root)
    {
        if (FileNode.Kind(root) != NodeKind.None)
        {
            throw new IOException($"the root folder '{root}' already exists");
        }
        Directory.CreateDirectory(root);
        foreach (var layer in layerFolders)
        {
            Apply(layer, root);
        }
    }

    private static void Apply(string source, string target)
    {
        var entries = new DirectoryInfo(source).GetFileSystemInfos();
        if (entries.Any(e => e.Name == OpaqueMarker))
        {
            foreach (var lower in new DirectoryInfo(target).GetFileSystemInfos())
            {
                FileNode.Remove(lower.FullName);
            }
        }
        foreach (var whiteout in entries.Where(e => e.Name != OpaqueMarker && e.Name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal)))
        {
            FileNode.Remove(Path.Combine(target, whiteout.Name[WhiteoutPrefix.Length..]));
        }
        foreach (var entry in entries.Where(e => !e.Name.StartsWith(WhiteoutPrefix, StringComparison.Ordinal)))
        {
            var to = Path.Combine(target, entry.Name);
            switch (FileNode.Kind(entry.FullName))
            {
                case NodeKind.Directory:
                    if (FileNode.Kind(to) != NodeKind.Directory)
                    {
                        FileNode.Remove(to);
                        Directory.CreateDirectory(to);
                    }
                    File.SetUnixFileMode(to, File.GetUnixFileMode(entry.FullName));
                    Apply(entry.FullName, to);
                    break;
                case NodeKind.Link:
                    FileNode.Remove(to);
                    File.CreateSymbolicLink(to, entry.LinkTarget!);
                    break;
                case NodeKind.File:
                    FileNode.Remove(to);
                    File.Copy(entry.FullName, to);
                    File.SetUnixFileMode(to, File.GetUnixFileMode(entry.FullName));
                    break;
            }
        }
    }
}
