using Fjord.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore : IStoreBackup
{
    /// <summary>
    /// Writes a consistent copy of the whole store to <paramref name="path"/> (created 0600: it
    /// holds every payload and the sealed secrets) while the store keeps working. SQLite's online
    /// backup copies every page inside one read transaction on a reader connection of its own:
    /// WAL gives that transaction a snapshot, so the copy holds exactly the commits made before it
    /// began (every job that had its 202 by then), and the writer never waits for it; only the
    /// WAL grows meanwhile, since it cannot be checkpointed past the snapshot.
    /// </summary>
    public Task BackupAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Task.Run(() => Backup(path, cancellationToken), cancellationToken);
    }

    private void Backup(string path, CancellationToken cancellationToken)
    {
        if (File.Exists(path) && new FileInfo(path).Length > 0)
            throw new IOException($"{path} already exists");
        PrivateFiles.EnsureFile(path);
        try
        {
            using var source = new SqliteConnection(_readConnectionString);
            source.Open();
            using var destination = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
            destination.Open();
            cancellationToken.ThrowIfCancellationRequested();
            source.BackupDatabase(destination);
            // The copy carries the source's WAL flag; a backup is one self-contained file.
            Schema.Exec(destination, "PRAGMA journal_mode = DELETE");
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }
}
