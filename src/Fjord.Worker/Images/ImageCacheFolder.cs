using System.Security.Cryptography;
using System.Text;

namespace Fjord.Worker.Images;

/// <summary>
/// Where a worker keeps its images. A node run as root enters the sandbox of an image function as
/// the image's user (65534 by default), and bubblewrap binds the root as that user, so every folder
/// on the way to the root must be searchable by others, which the data folder (0700) is not. Such a
/// node keeps its images under <c>/var/cache/fjord/images-&lt;hash of the data folder&gt;</c> (the
/// cache's own folders 0711: enterable, not listable), any other node under <c>{data}/images</c>;
/// <c>$FJORD_IMAGE_CACHE</c> names another folder.
/// </summary>
public static class ImageCacheFolder
{
    public const string EnvironmentVariable = "FJORD_IMAGE_CACHE";

    public static string For(string dataDir, string? fromEnvironment, bool runsAsRoot)
    {
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
            return Path.GetFullPath(fromEnvironment);
        var data = Path.GetFullPath(dataDir);
        if (!runsAsRoot)
            return Path.Combine(data, "images");
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(data)))[..12];
        return Path.Combine("/var/cache/fjord", "images-" + hash);
    }

    /// <summary>The folder for this process: its environment and whether it runs as root.</summary>
    public static string For(string dataDir) =>
        For(dataDir, Environment.GetEnvironmentVariable(EnvironmentVariable), Environment.IsPrivilegedProcess);
}
