using Fjord.Core.Functions;
using Fjord.Core.Images;

namespace Fjord.Cli.Commands;

/// <summary>
/// The image half of `fjord deploy`: hash the archive in one read (checking it is a docker save or
/// OCI archive), ask the gateway for that digest, upload it streamed only when it is missing, and
/// name the digest in the spec.
/// </summary>
internal static class ImageDeploy
{
    /// <returns>The deploy line's description of the image.</returns>
    public static async Task<string> UploadAsync(IDeployTarget target, string path, FunctionDocument document, CancellationToken ct)
    {
        if (!File.Exists(path))
            throw CliException.Usage($"image {path} does not exist: make it with `docker build -t IMAGE . && docker save IMAGE -o {path}`");
        string digest;
        long size;
        try
        {
            (digest, size) = await Task.Run(() => ImageFile.Inspect(path), ct);
        }
        catch (Exception e) when (e is InvalidImageException or IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"image {path}: {e.Message}");
        }
        var uploaded = await target.UploadImageAsync(digest, path, ct);
        document.Image = digest;
        return $"image {digest[7..19]} ({DeployCommand.Size(size)}, {(uploaded ? "uploaded" : "already stored")})";
    }
}
