namespace Fjord.Cli;

/// <summary>The admin key file that `fjord up` writes and the client commands read.</summary>
internal static class Credentials
{
    public static string KeyFilePath(string dataDir) => Path.Combine(dataDir, Defaults.AdminKeyFile);

    /// <summary>The key in <c>&lt;dataDir&gt;/admin.key</c>, or null when there is none or it cannot be read.</summary>
    public static string? ReadKeyFile(string dataDir)
    {
        try
        {
            var path = KeyFilePath(dataDir);
            return File.Exists(path) && File.ReadAllText(path).Trim() is { Length: > 0 } key ? key : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // An unreadable key file is the same as none: the gateway's 401 then says what to do.
            return null;
        }
    }
}
