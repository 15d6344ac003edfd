namespace Fjord.Core.Storage;

/// <summary>
/// Function images (<c>docker save</c> / OCI archives) by digest: the sha256 of the archive's bytes
/// as uploaded. Content goes in and out as streams of chunk rows (<see cref="ImageChunks"/>), so no
/// store holds a 2 GiB value and no caller holds a whole image in memory.
/// </summary>
public interface IImageStore
{
    /// <summary>The stored image, or null when there is none (an upload in progress is not stored yet).</summary>
    Task<StoredImage?> GetImageAsync(string digest, CancellationToken cancellationToken);

    /// <summary>
    /// Reads <paramref name="content"/> to its end into chunk rows, hashing as it goes; the image
    /// is stored (visible to <see cref="GetImageAsync"/>) only when the bytes hash to
    /// <paramref name="digest"/> and are at most <paramref name="maxBytes"/>; otherwise an
    /// <see cref="ImageRefusedException"/> and nothing is kept. Storing a digest that is already
    /// stored keeps the first copy.
    /// </summary>
    Task<StoredImage> PutImageAsync(string digest, Stream content, long maxBytes, CancellationToken cancellationToken);

    /// <summary>The image's bytes, read a chunk at a time; null when it is not stored.</summary>
    Task<Stream?> OpenImageAsync(string digest, CancellationToken cancellationToken);

    /// <summary>Every stored image, by digest.</summary>
    Task<IReadOnlyList<StoredImage>> ListImagesAsync(CancellationToken cancellationToken);

    /// <summary>Removes the image and its chunks; false when there was none.</summary>
    Task<bool> DeleteImageAsync(string digest, CancellationToken cancellationToken);
}

/// <summary>One stored image: its digest (sha256 of the archive), size in bytes and when it was stored.</summary>
public sealed record StoredImage(string Digest, long Size, DateTimeOffset CreatedAt);

/// <summary>An upload that is not stored: its bytes do not hash to the digest it claims, or it is too large.</summary>
public sealed class ImageRefusedException : Exception
{
    public ImageRefusedException()
    {
    }

    public ImageRefusedException(string message)
        : base(message)
    {
    }

    public ImageRefusedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>True when the upload went over the size limit (413), false for a digest mismatch (400).</summary>
    public bool TooLarge { get; init; }
}
