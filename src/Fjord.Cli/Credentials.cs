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

    /// <summary>
    /// Replaces a key file with <paramref name="secret"/>: written 0600 to a temporary file beside
    /// it, flushed to disk, then renamed over it, so a crash leaves the old file or the new one.
    /// </summary>
    public static void ReplaceKeyFile(string path, string secret)
    {
        var temporary = path + ".new";
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(System.Text.Encoding.UTF8.GetBytes(secret + "\n"));
            stream.Flush(flushToDisk: true);
        }
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        File.Move(temporary, path, overwrite: true);
    }
}
