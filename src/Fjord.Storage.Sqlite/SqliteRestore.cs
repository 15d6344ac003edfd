using Fjord.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

/// <summary>
/// <c>fjord restore FILE --data DIR</c>: puts a backup in place of a data folder's store. It
/// takes the folder's lock first (a running node holds it: refused), checks the backup
/// (<c>integrity_check</c>, a schema this build knows, Fjord's tables), and swaps the file in
/// atomically. Jobs that were running when the backup was taken are found running at the next
/// open and taken back as after a crash (<see cref="StoreOpening"/>).
/// </summary>
public static class SqliteRestore
{
    public const string FileName = "fjord.db";

    private static readonly string[] Tables = ["jobs", "attempts", "functions", "api_keys", "meta"];

    /// <summary>Checks <paramref name="backup"/>; throws <see cref="InvalidDataException"/> or <see cref="StoreVersionException"/> naming what is wrong. Returns its schema version.</summary>
    public static long Check(string backup)
    {
        if (!File.Exists(backup))
            throw new FileNotFoundException($"{backup} does not exist", backup);
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = backup, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            connection.Open();
            using (var check = connection.CreateCommand())
            {
                check.CommandText = "PRAGMA integrity_check";
                var answer = check.ExecuteScalar() as string;
                if (answer != "ok")
                    throw new InvalidDataException($"{backup} is damaged: {answer}");
            }
            var version = Schema.Scalar(connection, "PRAGMA user_version");
            if (version > Schema.Version)
                throw new StoreVersionException($"the backup {backup}", version, Schema.Version);
            foreach (var table in Tables)
            {
                if (Schema.Scalar(connection, $"SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '{table}'") == 0)
                    throw new InvalidDataException($"{backup} is not a fjord store: it has no '{table}' table");
            }
            if (version < 1)
                throw new InvalidDataException($"{backup} is not a fjord store: it has no schema version");
            return version;
        }
        catch (SqliteException e)
        {
            throw new InvalidDataException($"{backup} is not a readable SQLite file: {e.Message}", e);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>
    /// Restores <paramref name="backup"/> into <paramref name="dataDir"/>. An existing store is
    /// kept as <c>fjord.db.replaced-TIME</c> when <paramref name="replace"/> is set, and is a
    /// refusal otherwise. Returns the path of the replaced store, if any.
    /// </summary>
    /// <exception cref="InvalidOperationException">The folder is in use, or holds a store and <paramref name="replace"/> is false.</exception>
    public static string? Restore(string backup, string dataDir, bool replace, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        dataDir = Path.GetFullPath(dataDir);
        PrivateFiles.CreateFolder(dataDir);
        var target = Path.Combine(dataDir, FileName);
        PrivateFiles.EnsureFile(target + ".lock");
        using var folderLock = LockFile.Acquire(target);
        Check(backup);

        var exists = File.Exists(target) && new FileInfo(target).Length > 0;
        if (exists && !replace)
            throw new InvalidOperationException($"{target} already holds a store: pass --replace to keep it aside as fjord.db.replaced-* and restore over it");

        var incoming = target + ".restoring";
        File.Delete(incoming);
        PrivateFiles.EnsureFile(incoming);
        using (var from = new FileStream(backup, FileMode.Open, FileAccess.Read, FileShare.Read))
        using (var to = new FileStream(incoming, FileMode.Truncate, FileAccess.Write))
        {
            from.CopyTo(to);
            to.Flush(flushToDisk: true);
        }

        string? replaced = null;
        if (exists)
        {
            replaced = $"{target}.replaced-{time.GetUtcNow():yyyyMMddTHHmmssZ}";
            File.Move(target, replaced);
            // Its WAL holds its last commits if its node was killed: it goes aside with it.
            if (File.Exists(target + "-wal"))
                File.Move(target + "-wal", replaced + "-wal");
        }
        // A WAL left beside the restored file would be replayed into it: none may remain.
        File.Delete(target + "-wal");
        File.Delete(target + "-shm");
        File.Move(incoming, target);
        return replaced;
    }
}
