using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace Fjord.Cli.Client;

/// <summary>A stored image as `fjord images ls` shows it.</summary>
internal sealed record ImageInfo(string Digest, long Size, DateTimeOffset? CreatedAt, IReadOnlyList<string> Functions)
{
    public static ImageInfo From(JsonElement e) => new(
        e.String("digest") ?? "?", e.Number("size") ?? 0, e.Time("createdAt"),
        [.. e.Array("functions").Select(f => f.GetString() ?? "?")]);
}

internal sealed partial class FjordClient
{
    /// <summary>The stored image, or null when the gateway has none under <paramref name="digest"/> (404).</summary>
    public async Task<ImageInfo?> GetImageAsync(string digest, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/images/{Esc(digest)}");
        try
        {
            using var response = await SendAsync(request, ControlTimeout, ct);
            return ImageInfo.From(await ReadJsonAsync(response, ct));
        }
        catch (FjordApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>
    /// Streams the archive at <paramref name="path"/> to <c>PUT /v1/images/{digest}</c> from disk
    /// (never whole in memory), with no time bound but the gateway's own: a 2 GiB upload over a slow
    /// link takes as long as it takes.
    /// </summary>
    public async Task<ImageInfo> PutImageAsync(string digest, string path, CancellationToken ct)
    {
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"v1/images/{Esc(digest)}")
        {
            Content = new StreamContent(file, 1 << 20)
            {
                Headers = { ContentType = new MediaTypeHeaderValue("application/octet-stream"), ContentLength = file.Length },
            },
        };
        using var response = await SendAsync(request, null, ct);
        return ImageInfo.From(await ReadJsonAsync(response, ct));
    }

    public async Task<IReadOnlyList<ImageInfo>> ListImagesAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "v1/images");
        using var response = await SendAsync(request, ControlTimeout, ct);
        return [.. (await ReadJsonAsync(response, ct)).Array("items").Select(ImageInfo.From)];
    }

    /// <summary>Deletes every stored image no function uses; returns them.</summary>
    public async Task<IReadOnlyList<ImageInfo>> PruneImagesAsync(CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/images:prune");
        using var response = await SendAsync(request, ControlTimeout, ct);
        return [.. (await ReadJsonAsync(response, ct)).Array("pruned").Select(ImageInfo.From)];
    }

    /// <summary>Uploads the image unless the gateway already has its digest.</summary>
    public async Task<bool> UploadImageAsync(string digest, string path, CancellationToken ct)
    {
        if (await GetImageAsync(digest, ct) is not null)
            return false;
        await PutImageAsync(digest, path, ct);
        return true;
    }
}
