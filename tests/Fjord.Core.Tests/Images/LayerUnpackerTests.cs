using System.Formats.Tar;
using Fjord.Core.Images;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Core.Tests.Images;

/// <summary>Hostile and odd layers: each is refused or skipped, and the file system shows that nothing
/// was written outside the cache (nor left half-written inside it).</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayerUnpackerTests : IDisposable
{
    private readonly Scratch scratch = new();

    public void Dispose() => scratch.Dispose();

    private UnpackedLayer Unpack(byte[] layer, ImageLimits? limits = null, bool gzip = false)
    {
        var blob = scratch.At(Guid.NewGuid().ToString("N") + ".tar");
        System.IO.File.WriteAllBytes(blob, gzip ? Gzip(layer) : layer);
        return new LayerCache(scratch.Cache, limits).Unpack(new ImageLayer(Digest(layer), blob));
    }

    private void AssertRefusedAndNothingWritten(byte[] layer, string reason)
    {
        var error = Assert.Throws<InvalidImageException>(() => Unpack(layer));
        Assert.Contains(reason, error.Message);
        Assert.Empty(Directory.GetFileSystemEntries(scratch.Outside));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(scratch.Cache, "sha256")));
        Assert.Equal(["sha256"], Directory.GetFileSystemEntries(scratch.Cache).Select(Path.GetFileName));
    }

    [Fact]
    public void AbsolutePath_IsRefused()
    {
        AssertRefusedAndNothingWritten(Layer(File("ok.txt", "x"), File(scratch.Outside + "/evil", "x")), "absolute path");
    }

    [Theory]
    [InlineData("../../outside/evil")]
    [InlineData("a/../../../outside/evil")]
    [InlineData("./../outside/evil")]
    public void DotDot_IsRefused(string name)
    {
        AssertRefusedAndNothingWritten(Layer(Dir("a"), File(name, "x")), "leaves the layer");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EntryBelowASymlink_IsRefused_NeverFollowed(bool absolute)
    {
        var target = absolute ? scratch.Outside : "../../../outside";
        AssertRefusedAndNothingWritten(Layer(Symlink("escape", target), File("escape/evil", "x")), "through the symlink 'escape'");
        AssertRefusedAndNothingWritten(Layer(Symlink("escape", target), Dir("escape/sub")), "through the symlink");
    }

    [Fact]
    public void EntryBelowASymlinkDeeperDown_IsRefused()
    {
        AssertRefusedAndNothingWritten(Layer(Dir("a"), Symlink("a/b", scratch.Outside), File("a/b/c/evil", "x")), "through the symlink 'a/b'");
    }

    [Theory]
    [InlineData("../outside/secret", "leaves the layer")]
    [InlineData("/etc/passwd", "absolute path")]
    [InlineData("link/secret", "through the symlink")]
    [InlineData("missing", "must name a regular file")]
    [InlineData("dir", "must name a regular file")]
    public void HardLink_OutsideTheLayer_IsRefused(string target, string reason)
    {
        System.IO.File.WriteAllText(Path.Combine(scratch.Outside, "secret"), "s");
        var layer = Layer(Symlink("link", scratch.Outside), Dir("dir"), HardLink("h", target));

        var error = Assert.Throws<InvalidImageException>(() => Unpack(layer));

        Assert.Contains(reason, error.Message);
        Assert.Equal(["secret"], Directory.GetFileSystemEntries(scratch.Outside).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(scratch.Cache, "sha256")));
    }

    [Fact]
    public void HardLink_ToItself_IsRefused()
    {
        AssertRefusedAndNothingWritten(Layer(File("h", "x"), HardLink("h", "h")), "must name a regular file");
    }

    [Fact]
    public void FileWithNoPermissions_KeepsOwnerRead()
    {
        var unpacked = Unpack(Layer(File("shadow", "s", UnixFileMode.None)));

        Assert.Equal(UnixFileMode.UserRead, System.IO.File.GetUnixFileMode(Path.Combine(unpacked.Path, "shadow")));
    }

    [Fact]
    public void HardLink_ToASymlinkInTheLayer_IsRefused()
    {
        AssertRefusedAndNothingWritten(Layer(Symlink("s", scratch.Outside + "/x"), HardLink("h", "s")), "must name a regular file");
    }

    [Fact]
    public void HardLink_WithinTheLayer_SharesTheFile()
    {
        var unpacked = Unpack(Layer(Dir("bin"), File("bin/a", "same", Exec), HardLink("bin/b", "bin/a")));

        Assert.Equal("same", System.IO.File.ReadAllText(Path.Combine(unpacked.Path, "bin/b")));
        System.IO.File.AppendAllText(Path.Combine(unpacked.Path, "bin/a"), "!");
        Assert.Equal("same!", System.IO.File.ReadAllText(Path.Combine(unpacked.Path, "bin/b")));
    }

    [Fact]
    public void Symlinks_KeepTheirText_WhereverTheyPoint()
    {
        var unpacked = Unpack(Layer(Symlink("abs", "/etc/passwd"), Symlink("up", "../../.."), Symlink("dangling", "nowhere")));

        Assert.Equal("/etc/passwd", new FileInfo(Path.Combine(unpacked.Path, "abs")).LinkTarget);
        Assert.Equal("../../..", new FileInfo(Path.Combine(unpacked.Path, "up")).LinkTarget);
        Assert.Equal("nowhere", new FileInfo(Path.Combine(unpacked.Path, "dangling")).LinkTarget);
    }

    [Fact]
    public void SymlinkReplacedByAFileOfTheSameName_IsReplaced_NotWrittenThrough()
    {
        var victim = Path.Combine(scratch.Outside, "victim");
        System.IO.File.WriteAllText(victim, "untouched");

        var unpacked = Unpack(Layer(Symlink("f", victim), File("f", "layer's own")));

        Assert.Equal("untouched", System.IO.File.ReadAllText(victim));
        Assert.Null(new FileInfo(Path.Combine(unpacked.Path, "f")).LinkTarget);
        Assert.Equal("layer's own", System.IO.File.ReadAllText(Path.Combine(unpacked.Path, "f")));
    }

    [Fact]
    public void DeviceNodesAndFifos_AreSkipped()
    {
        var unpacked = Unpack(Layer(
            Dir("dev"),
            Special(TarEntryType.CharacterDevice, "dev/null"),
            Special(TarEntryType.BlockDevice, "dev/sda"),
            Special(TarEntryType.Fifo, "dev/pipe"),
            File("dev/readme", "kept")));

        Assert.Equal(3, unpacked.Skipped);
        Assert.Equal(["readme"], Directory.GetFileSystemEntries(Path.Combine(unpacked.Path, "dev")).Select(Path.GetFileName));
    }

    [Fact]
    public void SetuidSetgidAndSticky_AreStripped()
    {
        var unpacked = Unpack(Layer(
            File("su", "x", Exec | UnixFileMode.SetUser | UnixFileMode.SetGroup),
            Dir("shared", Exec | UnixFileMode.StickyBit | UnixFileMode.SetGroup)));

        Assert.Equal(Exec, System.IO.File.GetUnixFileMode(Path.Combine(unpacked.Path, "su")));
        Assert.Equal(Exec, System.IO.File.GetUnixFileMode(Path.Combine(unpacked.Path, "shared")));
    }

    [Fact]
    public void UnpackedBytes_AreBounded()
    {
        var layer = Layer(File("a", new byte[600]), File("b", new byte[600]));

        var error = Assert.Throws<InvalidImageException>(() => Unpack(layer, new ImageLimits { MaxUnpackedBytes = 1000 }));

        Assert.Contains("limit", error.Message);
        Assert.Equal(["sha256"], Directory.GetFileSystemEntries(scratch.Cache).Select(Path.GetFileName));
        Assert.Equal(1200, Unpack(layer, new ImageLimits { MaxUnpackedBytes = 1200 }).Bytes);
    }

    [Fact]
    public void Entries_AreBounded()
    {
        var layer = Layer(Enumerable.Range(0, 20).Select(i => File($"f{i}", "")).ToArray());

        Assert.Contains("entries", Assert.Throws<InvalidImageException>(() => Unpack(layer, new ImageLimits { MaxEntries = 10 })).Message);
    }

    [Fact]
    public void GzipLayer_UnpacksOnce_IntoItsDigestFolder()
    {
        var layer = Layer(File("a", "x"));

        var first = Unpack(layer, gzip: true);
        var again = Unpack(layer);

        Assert.Equal(Path.Combine(scratch.Cache, "sha256", Digest(layer)[7..]), first.Path);
        Assert.Equal(first.Path, again.Path);
        Assert.Equal(0, again.Bytes);
    }
}
