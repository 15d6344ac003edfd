using Fjord.Core.Functions;
using Fjord.Core.Images;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Core.Tests.Images;

/// <summary>What `fjord deploy` checks of an image archive before uploading it, and how a spec names an image.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class ImageFileTests : IDisposable
{
    private readonly Scratch scratch = new();

    public void Dispose() => scratch.Dispose();

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    public void Inspect_GivesTheDigestOfTheFileAsUploaded(bool gzip, bool oci)
    {
        var path = scratch.At("image.tar");
        var layers = new[] { Layer(File("a.txt", "a")) };
        if (oci)
            OciLayout(path, layers, gzip: gzip);
        else
            DockerSave(path, layers, gzip);

        var (digest, size) = ImageFile.Inspect(path);

        Assert.Equal(Sha256Digest.OfFile(path), digest);
        Assert.Equal(new FileInfo(path).Length, size);
    }

    [Fact]
    public void Inspect_RefusesATarThatIsNoImage_AndAFileThatIsNoTar()
    {
        var tar = scratch.At("files.tar");
        System.IO.File.WriteAllBytes(tar, Layer(File("readme.txt", "not an image")));
        var text = scratch.At("notes.txt");
        System.IO.File.WriteAllText(text, new string('x', 2000));

        Assert.Contains("neither manifest.json", Assert.Throws<InvalidImageException>(() => ImageFile.Inspect(tar)).Message, StringComparison.Ordinal);
        Assert.Contains("not a tar archive", Assert.Throws<InvalidImageException>(() => ImageFile.Inspect(text)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ASpecWithAnImage_NeedsNoRuntimeNorCommand_ButADigest_AndNoFolder()
    {
        var digest = "sha256:" + new string('b', 64);
        var errors = new List<string>();

        var spec = FunctionSpec.Parse("resize", new FunctionDocument { Image = digest, ImageSize = 123 }, errors);

        Assert.Empty(errors);
        Assert.Equal(FunctionRuntime.Exec, spec!.Runtime);
        Assert.Equal(RunMode.Fork, spec.Mode);
        Assert.Equal(digest, spec.Image);
        Assert.Equal(123, spec.ImageSize);
        Assert.Equal(digest, spec.ToDocument().Image);

        Assert.Null(FunctionSpec.Parse("resize", new FunctionDocument { Image = "images/resize.tar" }, errors));
        Assert.Contains(errors, e => e.StartsWith("image 'images/resize.tar' must be the sha256:<64 hex> digest", StringComparison.Ordinal));
        errors.Clear();
        Assert.Null(FunctionSpec.Parse("resize", new FunctionDocument { Image = digest, Path = "functions/resize" }, errors));
        Assert.Contains("image and path are exclusive: a function runs either an image or a folder", errors);
        errors.Clear();
        Assert.Null(FunctionSpec.Parse("resize", new FunctionDocument { Runtime = "exec" }, errors));
        Assert.Contains("an exec function needs a command", errors);
    }
}
