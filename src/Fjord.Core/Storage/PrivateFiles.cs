namespace Fjord.Core.Storage;

/// <summary>
/// The data folder and the files in it that hold every job or a secret (the SQLite file with its
/// <c>-wal</c>, <c>-shm</c> and lock, <c>admin.key</c>) belong to the node's user alone: folder
/// 0700, files 0600. Modes are set with chmod, which the process umask does not touch: a umask
/// only takes bits away at creation, so it could leave a file unreadable to its own node, never
/// open it to others. A folder or file an older Fjord left looser (0755, 0644) is closed at start.
/// </summary>
public static class PrivateFiles
{
    public const UnixFileMode FolderMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates <paramref name="path"/> (and its parents, with their usual modes) and makes it 0700.</summary>
    public static void CreateFolder(string path)
    {
        Directory.CreateDirectory(path);
        SetMode(path, FolderMode);
    }

    /// <summary>
    /// Creates <paramref name="path"/> empty with mode 0600 when it is missing (so there is no
    /// moment when it is readable by others), or sets an existing one to 0600.
    /// </summary>
    public static void EnsureFile(string path)
    {
        if (OperatingSystem.IsWindows())
            return;
        try
        {
            using var _ = new FileStream(path, new FileStreamOptions
            {
                Mode = System.IO.FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = FileMode,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Already there: only its mode is ours to fix.
        }
        SetMode(path, FileMode);
    }

    /// <summary>Sets an existing file to 0600; nothing when it does not exist.</summary>
    public static void RestrictFile(string path)
    {
        if (File.Exists(path))
            SetMode(path, FileMode);
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
            return;
        if (File.GetUnixFileMode(path) != mode)
            File.SetUnixFileMode(path, mode);
    }
}
