namespace Fjord.Storage.Sqlite;

/// <summary>
/// The embedded store belongs to one process. That is what lets <see cref="SqliteStore.OpenAsync"/>
/// treat every job still marked running as orphaned by a crash: no other live process can hold
/// its lease. An exclusive lock on <c>{db}.lock</c>, held open for the store's life, makes sure.
/// </summary>
internal sealed class LockFile : IDisposable
{
    private readonly FileStream _stream;

    private LockFile(FileStream stream) => _stream = stream;

    public static LockFile Acquire(string databasePath)
    {
        var path = databasePath + ".lock";
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException ex)
        {
            throw new InvalidOperationException($"data folder in use by another fjord process (the lock {path} is held)", ex);
        }
        try
        {
            // The pid helps whoever finds the folder locked.
            stream.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes($"{Environment.ProcessId}\n");
            stream.Write(pid);
            stream.Flush();
        }
        catch (IOException)
        {
            // Informational only.
        }
        return new LockFile(stream);
    }

    public void Dispose() => _stream.Dispose();
}
