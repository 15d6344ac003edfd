using Fjord.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Images;

/// <summary>One stored image and the deployed functions that name it.</summary>
public sealed record ImageUse(StoredImage Image, IReadOnlyList<string> Functions);

/// <summary>
/// The images a gateway stores, after the caller is authorized: what <c>/v1/images</c> does, shared
/// with <c>fjord up -f</c>, which deploys its project file in process. Images are content
/// addressed (the sha256 of the archive as uploaded), so an upload is verified against the digest
/// it claims in the pass that stores it, and deploying the same archive twice uploads it once.
/// </summary>
public sealed partial class ImageCatalog(IImageStore? store, IFunctionStore functions, long maxImageBytes, ILogger<ImageCatalog> logger)
{
    /// <summary>False on a backend that keeps no images (the routes answer 501).</summary>
    public bool Available => store is not null;

    private IImageStore Store => store ?? throw new NotSupportedException("this store keeps no images");

    /// <summary>2 GiB: a large runtime image (a full Python with native libraries) fits; a whole OS with data does not.</summary>
    public const long DefaultMaxImageBytes = 2L * 1024 * 1024 * 1024;

    public long MaxImageBytes => maxImageBytes;

    public Task<StoredImage?> GetAsync(string digest, CancellationToken ct) => Store.GetImageAsync(digest, ct);

    /// <summary>Stores <paramref name="content"/> under <paramref name="digest"/>; <see cref="ImageRefusedException"/> when it does not hash to it or is too large.</summary>
    public async Task<StoredImage> PutAsync(string digest, Stream content, CancellationToken ct)
    {
        var existed = await Store.GetImageAsync(digest, ct) is not null;
        var stored = await Store.PutImageAsync(digest, content, maxImageBytes, ct);
        if (!existed)
            LogStored(logger, digest, stored.Size);
        return stored;
    }

    /// <summary>Every stored image with the functions naming it.</summary>
    public async Task<IReadOnlyList<ImageUse>> ListAsync(CancellationToken ct)
    {
        var users = await UsersAsync(ct);
        return [.. (await Store.ListImagesAsync(ct)).Select(i => new ImageUse(i, users.TryGetValue(i.Digest, out var f) ? f : []))];
    }

    /// <summary>Deletes one image; the functions that still name it when it is in use (nothing deleted then).</summary>
    public async Task<(bool Deleted, IReadOnlyList<string> UsedBy)> DeleteAsync(string digest, CancellationToken ct)
    {
        if ((await UsersAsync(ct)).TryGetValue(digest, out var users))
            return (false, users);
        var deleted = await Store.DeleteImageAsync(digest, ct);
        if (deleted)
            LogDeleted(logger, digest);
        return (deleted, []);
    }

    /// <summary>Deletes every stored image no deployed function names; returns them.</summary>
    public async Task<IReadOnlyList<StoredImage>> PruneAsync(CancellationToken ct)
    {
        var users = await UsersAsync(ct);
        var pruned = new List<StoredImage>();
        foreach (var image in await Store.ListImagesAsync(ct))
        {
            // A deploy that names an image between this read and the delete finds it gone and is
            // answered 400 (its spec is checked against the store); deploying again uploads it again.
            if (users.ContainsKey(image.Digest))
                continue;
            if (await Store.DeleteImageAsync(image.Digest, ct))
            {
                LogDeleted(logger, image.Digest);
                pruned.Add(image);
            }
        }
        return pruned;
    }

    private async Task<Dictionary<string, List<string>>> UsersAsync(CancellationToken ct)
    {
        var users = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var state in await functions.ListFunctionsAsync(ct))
        {
            if (state.Spec.Image is { } digest)
            {
                if (!users.TryGetValue(digest, out var list))
                    users[digest] = list = [];
                list.Add(state.Spec.Name);
            }
        }
        return users;
    }

    [LoggerMessage(EventId = 180, Level = LogLevel.Information, Message = "Image {Digest} stored ({Size} bytes)")]
    private static partial void LogStored(ILogger logger, string digest, long size);

    [LoggerMessage(EventId = 181, Level = LogLevel.Information, Message = "Image {Digest} deleted")]
    private static partial void LogDeleted(ILogger logger, string digest);
}
