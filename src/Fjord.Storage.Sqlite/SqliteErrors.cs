using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

/// <summary>Sorts SQLite failures into "this command is wrong" and "the file cannot take writes right now".</summary>
internal static class SqliteErrors
{
    private const int Perm = 3;
    private const int Busy = 5;
    private const int Locked = 6;
    private const int NoMem = 7;
    private const int ReadOnly = 8;
    private const int IoErr = 10;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CantOpen = 14;
    private const int Protocol = 15;
    private const int NotADb = 26;

    /// <summary>
    /// Errors of the file rather than of one command. SQLite may roll back the whole transaction
    /// on these (SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY, SQLITE_NOMEM), so a group that hits one
    /// is abandoned as a whole and every caller hears that its write was not confirmed.
    /// </summary>
    public static bool IsStoreFailure(Exception error) =>
        error is SqliteException sql && (sql.SqliteErrorCode & 0xFF) is
            Perm or Busy or Locked or NoMem or ReadOnly or IoErr or Corrupt or Full or CantOpen or Protocol or NotADb;
}
