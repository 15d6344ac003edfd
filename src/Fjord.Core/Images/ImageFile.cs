using System.Formats.Tar;
using System.IO.Compression;

namespace Fjord.Core.Images;

/// <summary>
/// What `fjord deploy` learns about an image archive before uploading it, in one read of the file
/// and without writing anything: its digest (sha256 of the bytes as they will be uploaded), its
/// size, and that it looks like a <c>docker save</c> archive or an OCI image layout (a
/// manifest.json or index.json at its top), so a wrong file is refused on the laptop rather than by
/// the node that first runs it. The node still verifies everything (<see cref="ImageArchive"/>).
/// </summary>
public static class ImageFile
{
    public static (string Digest, long Size) Inspect(string path)
    {
        var size = new FileInfo(path).Length;
        bool gzip;
        using (var peek = File.OpenRead(path))
        {
            Span<byte> magic = stackalloc byte[2];
            gzip = peek.ReadAtLeast(magic, 2, throwOnEndOfStream: false) == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        }
        using var hashing = new HashingReadStream(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.SequentialScan));
        var found = false;
        try
        {
            using var tar = gzip ? new GZipStream(hashing, CompressionMode.Decompress, leaveOpen: true) : null;
            using var reader = new TarReader(tar ?? (Stream)hashing, leaveOpen: true);
            while (reader.GetNextEntry() is { } entry)
            {
                found |= ImageArchive.Normalize(entry.Name) is "manifest.json" or "index.json";
            }
            tar?.CopyTo(Stream.Null);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidImageException($"'{path}' is not a tar archive (plain or gzip) as `docker save` writes: {e.Message}");
        }
        if (!found)
            throw new InvalidImageException($"'{path}' has neither manifest.json (docker save) nor index.json (OCI image layout); make it with `docker save -o FILE IMAGE`");
        return (hashing.Finish(), size);
    }
}
