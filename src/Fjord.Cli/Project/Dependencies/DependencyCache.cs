using System.Security.Cryptography;
using System.Text;

namespace Fjord.Cli.Project.Dependencies;

/// <summary>
/// Built dependency sets under the user's cache folder, one folder per key: the sha256 of what
/// decides the result (tool, interpreter major.minor, the lock file's bytes, extra options). A set
/// is built in a temporary folder and renamed into place, so a cut-off build never counts as done.
/// </summary>
internal sealed class DependencyCache(string root)
{
    public string Root { get; } = root;

    public static string Key(params string[] parts)
    {
        var text = string.Join("\n\0", parts);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    public string PathOf(string key) => Path.Combine(Root, key);

    public string LogOf(string key) => Path.Combine(Root, key + ".log");

    /// <summary>The cached folder for <paramref name="key"/>, built by <paramref name="build"/> into an empty folder when missing.</summary>
    /// <returns>The folder, and whether it came from the cache.</returns>
    public async Task<(string Folder, bool Cached)> GetOrBuildAsync(string key, Func<string, Task> build)
    {
        var final = PathOf(key);
        if (Directory.Exists(final))
            return (final, true);
        Directory.CreateDirectory(Root);
        var temporary = Path.Combine(Root, $".building-{key[..12]}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(temporary);
        try
        {
            await build(temporary);
            try
            {
                Directory.Move(temporary, final);
            }
            catch (IOException) when (Directory.Exists(final))
            {
                // Another deploy built the same set meanwhile: same key, same content.
            }
            return (final, false);
        }
        finally
        {
            if (Directory.Exists(temporary))
                Directory.Delete(temporary, recursive: true);
        }
    }
}
