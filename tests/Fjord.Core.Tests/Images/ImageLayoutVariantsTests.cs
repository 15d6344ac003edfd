using Fjord.Core.Images;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Core.Tests.Images;

/// <summary>The shapes newer tools write: docker 25+'s save (blob paths in manifest.json, links for
/// repeated files) and nested OCI indexes with several platforms.</summary>
public sealed class ImageLayoutVariantsTests : IDisposable
{
    private readonly Scratch scratch = new();

    private static readonly byte[] Base = Layer(Dir("etc"), File("etc/os-release", "ID=test"));
    private static readonly byte[] App = Layer(File("app", "run", Exec));

    public void Dispose() => scratch.Dispose();

    private static string Blob(byte[] bytes) => "blobs/sha256/" + Digest(bytes)[7..];

    [Fact]
    public void NewerDockerSave_WithBlobPaths_AndALinkedLayer_IsRead()
    {
        var config = Config([Base, App]);
        var tar = Layer(
            File("manifest.json", Json(new[] { new { Config = Blob(config), Layers = new[] { Blob(Base), "app/layer.tar" } } })),
            File(Blob(config), config),
            File(Blob(Base), Base),
            File(Blob(App), App),
            Dir("app"),
            Symlink("app/layer.tar", "../" + Blob(App)));
        System.IO.File.WriteAllBytes(scratch.At("image.tar"), tar);

        using var image = ImageArchive.Open(scratch.At("image.tar"), scratch.Root);

        Assert.Equal([Digest(Base), Digest(App)], image.Layers.Select(l => l.DiffId));
        Assert.Equal(Digest(config), image.ConfigDigest);
    }

    [Fact]
    public void NewerDockerSave_BlobThatDoesNotMatchItsName_IsRefused()
    {
        var config = Config([Base]);
        var tar = Layer(
            File("manifest.json", Json(new[] { new { Config = Blob(config), Layers = new[] { Blob(Base) } } })),
            File(Blob(config), config),
            File(Blob(Base), App));
        System.IO.File.WriteAllBytes(scratch.At("image.tar"), tar);

        Assert.Contains("does not match its digest", Assert.Throws<InvalidImageException>(() => ImageArchive.Open(scratch.At("image.tar"), scratch.Root)).Message);
    }

    [Fact]
    public void NestedIndex_PicksTheLinuxManifest()
    {
        var linuxConfig = Config([Base, App]);
        var otherConfig = Config([App], new { Cmd = new[] { "wrong" } });
        byte[] Manifest(byte[] config, byte[][] layers) => Json(new
        {
            schemaVersion = 2,
            config = new { digest = Digest(config), size = config.Length },
            layers = layers.Select(l => new { mediaType = "application/vnd.oci.image.layer.v1.tar", digest = Digest(l), size = l.Length }).ToArray(),
        });
        var linux = Manifest(linuxConfig, [Base, App]);
        var windows = Manifest(otherConfig, [App]);
        var inner = Json(new
        {
            schemaVersion = 2,
            manifests = new object[]
            {
                new { mediaType = "application/vnd.oci.image.manifest.v1+json", digest = Digest(windows), platform = new { os = "windows", architecture = "amd64" } },
                new { mediaType = "application/vnd.oci.image.manifest.v1+json", digest = Digest(linux), platform = new { os = "linux", architecture = "amd64" } },
            },
        });
        var index = Json(new { schemaVersion = 2, manifests = new[] { new { mediaType = "application/vnd.oci.image.index.v1+json", digest = Digest(inner) } } });
        var blobs = new[] { linuxConfig, otherConfig, linux, windows, inner, Base, App };
        var tar = Layer([File("oci-layout", Json(new { imageLayoutVersion = "1.0.0" })), File("index.json", index), .. blobs.Select(b => File(Blob(b), b))]);
        System.IO.File.WriteAllBytes(scratch.At("image.tar"), Gzip(tar));

        using var image = ImageArchive.Open(scratch.At("image.tar"), scratch.Root);

        Assert.Equal(Digest(linuxConfig), image.ConfigDigest);
        Assert.Equal(["echo", "hi"], image.Config.Cmd);
        Assert.Equal(2, image.Layers.Count);
    }

    [Fact]
    public void ConfigAndManifestDisagreeingOnLayerCount_IsRefused()
    {
        var config = Config([Base]);
        var tar = Layer(
            File("manifest.json", Json(new[] { new { Config = Blob(config), Layers = new[] { Blob(Base), Blob(App) } } })),
            File(Blob(config), config),
            File(Blob(Base), Base),
            File(Blob(App), App));
        System.IO.File.WriteAllBytes(scratch.At("image.tar"), tar);

        Assert.Contains("diff_ids", Assert.Throws<InvalidImageException>(() => ImageArchive.Open(scratch.At("image.tar"), scratch.Root)).Message);
    }
}
