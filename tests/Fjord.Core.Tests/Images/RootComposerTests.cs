using System.Diagnostics;
using Fjord.Core.Images;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Core.Tests.Images;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class RootComposerTests : IDisposable
{
    private readonly Scratch scratch = new();

    public void Dispose() => scratch.Dispose();

    private string Compose(params byte[][] layers)
    {
        var archive = scratch.At("image.tar");
        DockerSave(archive, layers);
        using var image = ImageArchive.Open(archive, scratch.Root);
        var root = scratch.At("root");
        RootComposer.Compose(new LayerCache(scratch.Cache).UnpackAll(image), root);
        return root;
    }

    private static string[] Tree(string root) =>
        Directory.EnumerateFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(root, p)).Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void BusyboxImage_HasItsBinaryWithTheExecBit_AndRuns()
    {
        var busybox = System.IO.File.ReadAllBytes("/bin/busybox");
        var root = Compose(Layer(Dir("bin"), File("bin/busybox", busybox, Exec), Symlink("bin/sh", "busybox")));

        var binary = Path.Combine(root, "bin/busybox");
        Assert.Equal(busybox, System.IO.File.ReadAllBytes(binary));
        Assert.True(System.IO.File.GetUnixFileMode(binary).HasFlag(UnixFileMode.UserExecute));
        Assert.Equal("busybox", new FileInfo(Path.Combine(root, "bin/sh")).LinkTarget);
        // busybox picks its applet from argv[0]: running it through the image's own symlink proves both.
        var start = new ProcessStartInfo(Path.Combine(root, "bin/sh"), ["-c", "echo from the image"]) { RedirectStandardOutput = true };
        using var shell = Process.Start(start)!;
        Assert.Equal("from the image", shell.StandardOutput.ReadToEnd().Trim());
        shell.WaitForExit();
        Assert.Equal(0, shell.ExitCode);
    }

    [Fact]
    public void Whiteouts_RemoveFromLowerLayers_AndOpaqueDirsHideThem()
    {
        var root = Compose(
            Layer(Dir("etc"), File("etc/a", "a"), File("etc/b", "b"), Dir("dir"), Dir("dir/x"), File("dir/x/y", "y"), File("dir/z", "z"), Dir("keep"), File("keep/k", "k")),
            Layer(File("etc/.wh.a", ""), Dir("dir"), File("dir/.wh..wh..opq", ""), File("dir/new", "new"), File("keep/.wh.gone", "")),
            Layer(File(".wh.keep", ""), Dir("keep"), File("keep/again", "again")));

        Assert.Equal(["dir", "dir/new", "etc", "etc/b", "keep", "keep/again"], Tree(root));
        Assert.Equal("new", System.IO.File.ReadAllText(Path.Combine(root, "dir/new")));
    }

    [Fact]
    public void UpperLayerFiles_ReplaceLowerOnes_AndKeepTheirMode()
    {
        var root = Compose(
            Layer(File("app", "v1", Plain), Dir("data"), File("data/x", "x")),
            Layer(File("app", "v2", Exec), File("data", "now a file")));

        Assert.Equal("v2", System.IO.File.ReadAllText(Path.Combine(root, "app")));
        Assert.Equal(Exec, System.IO.File.GetUnixFileMode(Path.Combine(root, "app")));
        Assert.Equal("now a file", System.IO.File.ReadAllText(Path.Combine(root, "data")));
    }

    [Fact]
    public void LowerSymlink_UnderAnUpperDirectory_IsReplaced_NotWrittenThrough()
    {
        var root = Compose(
            Layer(Symlink("etc", scratch.Outside), Symlink("var", "../../outside")),
            Layer(Dir("etc"), File("etc/passwd", "root:x:0:0"), Dir("var"), File("var/log", "l")));

        Assert.Empty(Directory.GetFileSystemEntries(scratch.Outside));
        Assert.Equal("directory", NodeKindOf(Path.Combine(root, "etc")));
        Assert.Equal("root:x:0:0", System.IO.File.ReadAllText(Path.Combine(root, "etc/passwd")));
        Assert.Equal("directory", NodeKindOf(Path.Combine(root, "var")));
    }

    [Fact]
    public void WhiteoutOfASymlink_RemovesTheLink_NotItsTarget()
    {
        var victim = Path.Combine(scratch.Outside, "victim");
        System.IO.Directory.CreateDirectory(victim);
        System.IO.File.WriteAllText(Path.Combine(victim, "file"), "kept");

        var root = Compose(Layer(Symlink("link", victim)), Layer(File(".wh.link", "")));

        Assert.Empty(Tree(root));
        Assert.Equal("kept", System.IO.File.ReadAllText(Path.Combine(victim, "file")));
    }

    [Fact]
    public void ExistingRoot_IsRefused()
    {
        Directory.CreateDirectory(scratch.At("root"));

        Assert.Throws<IOException>(() => RootComposer.Compose([], scratch.At("root")));
    }

    private static string NodeKindOf(string path) =>
        new FileInfo(path).LinkTarget is not null ? "link" : Directory.Exists(path) ? "directory" : "file";
}
