using Fjord.Core.Storage;

namespace Fjord.Core.Functions;

/// <summary>The image part of a spec: <c>image:</c> names an uploaded OCI / <c>docker save</c> archive by digest.</summary>
public sealed partial record FunctionSpec
{
    /// <summary>
    /// The function's image (<c>sha256:…</c> of the archive's bytes as uploaded), or null for a
    /// folder or host-program function. The archive digest, not the image's config digest, names it:
    /// the client hashes the file it uploads without parsing it, the gateway verifies the same hash
    /// in the pass that stores it, and the store keys exactly the bytes it holds. Two archives of one
    /// image still share their unpacked layers on a node (the layer cache is keyed by diff id).
    /// </summary>
    public string? Image { get; init; }

    /// <summary>The stored archive's size in bytes (set by the gateway from the store).</summary>
    public long? ImageSize { get; init; }

    private static string? ParseImage(FunctionDocument doc, List<string> errors)
    {
        if (doc.Image is not { } image)
            return null;
        if (!ImageChunks.IsDigest(image))
        {
            errors.Add($"image '{image}' must be the sha256:<64 hex> digest of an uploaded image (fjord deploy uploads the archive fjord.yml names)");
            return null;
        }
        if (doc.Bundle is not null || !string.IsNullOrWhiteSpace(doc.Path))
            errors.Add("image and path are exclusive: a function runs either an image or a folder");
        return image;
    }
}
