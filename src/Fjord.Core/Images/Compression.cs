using System.IO.Compression;

namespace Fjord.Core.Images;

/// <summary>Opens a file as a tar stream, decompressing gzip by its magic bytes rather than trusting a
/// file name or media type (docker save layers are plain, OCI layers usually gzip).</summary>
internal static class Compression
{
    public static Stream OpenTar(string path)
    {
        var file = File.OpenRead(path);
        Span<byte> magic = stackalloc byte[4];
        var read = file.ReadAtLeast(magic, 4, throwOnEndOfStream: false);
        file.Position = 0;
        if (read >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
        {
            return new GZipStream(file, CompressionMode.Decompress);
        }
        if (read == 4 && magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        {
            file.Dispose();
            throw new InvalidImageException("zstd-compressed layers are not supported; save the image with gzip or uncompressed layers");
        }
        return file;
    }
}
