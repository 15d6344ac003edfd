namespace Fjord.Core.Storage;

/// <summary>
/// A store that can copy itself while it works (the embedded SQLite file). A PostgreSQL store
/// does not: its database is backed up with PostgreSQL's own tools (docs/operations.md).
/// </summary>
public interface IStoreBackup
{
    /// <summary>
    /// Writes a consistent copy to <paramref name="path"/> (a new file, mode 0600) without
    /// stopping intake: every job accepted before the call is in it.
    /// </summary>
    Task BackupAsync(string path, CancellationToken cancellationToken);
}
