namespace Fjord.Core.Images;

/// <summary>
/// Content-addressed unpacked layers: <c>ROOT/sha256/&lt;diff id hex&gt;/</c>, one folder per
/// uncompressed layer digest, shared by every image that has the layer. A layer is unpacked into a
/// private <c>ROOT/.tmp-*</c> folder, checked against its diff id, then renamed into place, so a folder
/// under <c>sha256/</c> is always complete and verified; a failed or hostile layer leaves nothing behind.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class LayerCache(string root, ImageLimits? limits = null)
{
    private readonly ImageLimits limits = limits ?? ImageLimits.Default;

    public string Root { get; } = Path.GetFullPath(root);

    public string PathOf(string diffId) => Path.Combine(Root, "sha256", Sha256Digest.Hex(diffId));

    public bool Has(string diffId) => FileNode.Kind(PathOf(diffId)) == NodeKind.Directory;

    public UnpackedLayer Unpack(ImageLayer layer)
    {
        var final = PathOf(layer.DiffId);
        if (Has(layer.DiffId))
        {
            return new UnpackedLayer(final, layer.DiffId, 0, 0);
        }
        Directory.CreateDirectory(Path.Combine(Root, "sha256"));
        var temp = Path.Combine(Root, ".tmp-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(temp);
        try
        {
            long bytes;
            int skipped;
            using (var stream = new HashingReadStream(Compression.OpenTar(layer.BlobPath)))
            {
                (bytes, skipped) = LayerUnpacker.Unpack(stream, temp, limits);
                if (stream.Finish() != layer.DiffId)
                {
                    throw new InvalidImageException($"layer {layer.DiffId} does not match its diff id");
                }
            }
            try
            {
                Directory.Move(temp, final);
            }
            catch (IOException) when (Has(layer.DiffId))
            {
                // Another unpack of the same layer won the rename; its copy is as good as ours.
                Directory.Delete(temp, recursive: true);
            }
            return new UnpackedLayer(final, layer.DiffId, bytes, skipped);
        }
        catch
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
            throw;
        }
    }

    /// <summary>Unpacks every layer of <paramref name="image"/> (bottom first) and returns their folders.</summary>
    public IReadOnlyList<string> UnpackAll(ImageArchive image) => image.Layers.Select(l => Unpack(l).Path).ToList();
}
