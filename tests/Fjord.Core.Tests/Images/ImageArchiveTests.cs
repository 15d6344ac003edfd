using Fjord.Core.Images;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Core.Tests.Images;

[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ImageArchiveTests : IDisposable
{
    private readonly Scratch scratch = new();

    private static readonly byte[][] TwoLayers =
    [
        Layer(Dir("work"), File("work/a.txt", "one")),
        Layer(File("work/b.txt", "two")),
    ];

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DockerSave_ReadsTheConfig_AndTheLayersInOrder(bool gzip)
    {
        var archive = scratch.At("image.tar");
        DockerSave(archive, TwoLayers, gzip);

        using var image = ImageArchive.Open(archive, scratch.Root);

        Assert.Equal(["/bin/busybox"], image.Config.Entrypoint);
        Assert.Equal(["echo", "hi"], image.Config.Cmd);
        Assert.Equal(["PATH=/bin", "GREETING=hej"], image.Config.Env);
        Assert.Equal("/work", image.Config.WorkingDir);
        Assert.Equal("1000:1000", image.Config.User);
        Assert.Equal(TwoLayers.Select(Digest), image.Layers.Select(l => l.DiffId));
        Assert.Equal(Digest(Config(TwoLayers)), image.ConfigDigest);
    }

    [Theory]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void OciLayout_ReadsTheSameImage_AsDockerSave(bool gzipLayers, bool gzip)
    {
        DockerSave(scratch.At("docker.tar"), TwoLayers);
        OciLayout(scratch.At("oci.tar"), TwoLayers, gzipLayers, gzip);

        using var docker = ImageArchive.Open(scratch.At("docker.tar"), scratch.Root);
        using var oci = ImageArchive.Open(scratch.At("oci.tar"), scratch.Root);

        Assert.Equal(docker.ConfigDigest, oci.ConfigDigest);
        Assert.Equal(docker.Config.Cmd, oci.Config.Cmd);
        Assert.Equal(docker.Layers.Select(l => l.DiffId), oci.Layers.Select(l => l.DiffId));
        // Layers are cached by diff id, so both formats land in the same folders.
        var cache = new LayerCache(scratch.Cache);
        var first = cache.UnpackAll(docker);
        Assert.Equal(first, cache.UnpackAll(oci));
        Assert.Equal("two", System.IO.File.ReadAllText(Path.Combine(first[1], "work/b.txt")));
    }

    [Fact]
    public void Dispose_RemovesTheStagingFolder()
    {
        DockerSave(scratch.At("image.tar"), TwoLayers);
        var before = Directory.GetDirectories(scratch.Root).Length;

        ImageArchive.Open(scratch.At("image.tar"), scratch.Root).Dispose();

        Assert.Equal(before, Directory.GetDirectories(scratch.Root).Length);
    }

    [Theory]
    [InlineData("layer")]
    [InlineData("config")]
    [InlineData("manifest")]
    public void OciBlob_ThatDoesNotMatchItsDigest_IsRefused(string which)
    {
        var layers = TwoLayers;
        var config = Digest(Config(layers))[7..];
        var layer = Digest(Gzip(layers[1]))[7..];
        OciLayout(scratch.At("oci.tar"), layers, tamper: (name, blob) =>
        {
            var isTarget = which switch
            {
                "layer" => name.EndsWith(layer, StringComparison.Ordinal),
                "config" => name.EndsWith(config, StringComparison.Ordinal),
                _ => blob[0] == (byte)'{' && !name.EndsWith(config, StringComparison.Ordinal),
            };
            return isTarget ? [.. blob, (byte)' '] : blob;
        });

        var error = Assert.Throws<InvalidImageException>(() => ImageArchive.Open(scratch.At("oci.tar"), scratch.Root));

        Assert.Contains("does not match its digest", error.Message);
        Assert.Equal(["outside"], Directory.GetDirectories(scratch.Root).Select(Path.GetFileName));
    }

    [Fact]
    public void DockerSaveLayer_ThatDoesNotMatchItsDiffId_IsRefusedWhenUnpacked_AndLeavesNothing()
    {
        var honest = Layer(File("a.txt", "honest"));
        var config = Config([honest]);
        DockerSave(scratch.At("image.tar"), [Layer(File("a.txt", "forged"))], config: config);
        using var image = ImageArchive.Open(scratch.At("image.tar"), scratch.Root);
        var cache = new LayerCache(scratch.Cache);

        var error = Assert.Throws<InvalidImageException>(() => cache.UnpackAll(image));

        Assert.Contains("diff id", error.Message);
        Assert.False(cache.Has(Digest(honest)));
        Assert.Equal(["sha256"], Directory.GetFileSystemEntries(scratch.Cache).Select(Path.GetFileName));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(scratch.Cache, "sha256")));
    }

    [Fact]
    public void DockerSaveConfig_ThatDoesNotMatchItsName_IsRefused()
    {
        // docker names the config file after its digest; a config edited after naming must be refused.
        var forged = scratch.At("forged.tar");
        var layers = TwoLayers;
        var good = Config(layers);
        var name = Digest(good)[7..] + ".json";
        var tar = Layer(
            File("manifest.json", Json(new[] { new { Config = name, Layers = new[] { "l0/layer.tar", "l1/layer.tar" } } })),
            File(name, [.. good[..^1], (byte)' ', (byte)'}']),
            File("l0/layer.tar", layers[0]),
            File("l1/layer.tar", layers[1]));
        System.IO.File.WriteAllBytes(forged, tar);

        var error = Assert.Throws<InvalidImageException>(() => ImageArchive.Open(forged, scratch.Root));

        Assert.Contains("does not match its digest", error.Message);
    }

    [Fact]
    public void NotAnImage_IsRefused_WithAReason()
    {
        System.IO.File.WriteAllBytes(scratch.At("empty.tar"), Layer(File("hello.txt", "hi")));
        System.IO.File.WriteAllText(scratch.At("text.tar"), new string('x', 2000));

        Assert.Contains("manifest.json", Assert.Throws<InvalidImageException>(() => ImageArchive.Open(scratch.At("empty.tar"), scratch.Root)).Message);
        Assert.Throws<InvalidImageException>(() => ImageArchive.Open(scratch.At("text.tar"), scratch.Root));
    }

    [Fact]
    public void ArchiveLargerThanItsLimit_IsRefused()
    {
        DockerSave(scratch.At("image.tar"), [Layer(File("big", new byte[10_000]))]);

        var error = Assert.Throws<InvalidImageException>(() =>
            ImageArchive.Open(scratch.At("image.tar"), scratch.Root, new ImageLimits { MaxArchiveBytes = 5_000 }));

        Assert.Contains("limit", error.Message);
    }
}
