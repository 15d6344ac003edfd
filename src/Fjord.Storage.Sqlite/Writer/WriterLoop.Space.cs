using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Giving disk space back (issue 16: a store under retention stays the size of what it keeps).
/// <list type="bullet">
/// <item>Reclaim: a file made with <c>auto_vacuum = INCREMENTAL</c> (every file this build
///   creates, <see cref="Schema.OpenWriter"/>) returns the pages deletes freed (retention sweeps,
///   purges, image deletes) to the file system, a few at a time: each reap round spends at most
///   <see cref="ReclaimBudget"/> on it, inside that round's group, so intake sharing the writer
///   waits no longer than that. Until then, and in files made before, free pages are reused by
///   new rows, so the file stops growing but does not shrink.</item>
/// <item>The WAL: SQLite checkpoints it every 1,000 pages but keeps the file at its high-water
///   mark (up to journal_size_limit) to write it again from the start. Once a reclaim has emptied
///   the free list, and when the writer has had nothing to do for
///   <see cref="SqliteStoreOptions.QuietCheckpoint"/>, a TRUNCATE checkpoint copies the WAL into
///   the file (which is only then cut to its reclaimed length) and empties it. It never waits:
///   with a reader still on an older snapshot (a backup) it does what it can and is tried again
///   later.</item>
/// </list>
/// </summary>
internal sealed partial class WriterLoop
{
    /// <summary>Pages per incremental_vacuum statement: small, so the budget is overshot by little.</summary>
    private const int ReclaimStep = 32;

    private static readonly TimeSpan ReclaimBudget = TimeSpan.FromMilliseconds(4);

    private static readonly SqlText FreePages = new("PRAGMA freelist_count");
    private static readonly SqlText Vacuum = new($"PRAGMA incremental_vacuum({ReclaimStep})");
    private static readonly SqlText NoWait = new("PRAGMA busy_timeout = 0");
    private static readonly SqlText Wait = new($"PRAGMA busy_timeout = {Schema.BusyTimeoutMs}");
    private static readonly SqlText TruncateWal = new("PRAGMA wal_checkpoint(TRUNCATE)");

    private bool _reclaims;
    private bool _truncateDue;
    private bool _walWritten;
    private long _lastWrite;
    private long _lastTruncate;

    /// <summary>Reads once whether this file can give pages back (auto_vacuum = INCREMENTAL is 2).</summary>
    private void InitSpace()
    {
        _reclaims = Schema.Scalar(_sql.Connection, "PRAGMA auto_vacuum") == 2;
        _lastWrite = _lastTruncate = Stopwatch.GetTimestamp();
    }

    /// <summary>In a reap round's group: gives back free pages for at most <see cref="ReclaimBudget"/>.</summary>
    private void Reclaim()
    {
        if (!_reclaims)
            return;
        _sql[Savepoint].Run();
        try
        {
            var free = (long)_sql[FreePages].Scalar()!;
            if (free > 0)
            {
                var start = Stopwatch.GetTimestamp();
                do
                {
                    // Run, not Scalar: the pragma gives back one page per step of its statement.
                    _sql[Vacuum].Run();
                    free = (long)_sql[FreePages].Scalar()!;
                }
                while (free > 0 && Stopwatch.GetElapsedTime(start) < ReclaimBudget);
                _walWritten = true;
                _truncateDue = free == 0;
            }
            _sql[ReleaseSavepoint].Run();
        }
        catch (Exception ex) when (!SqliteErrors.IsStoreFailure(ex))
        {
            _sql[RollbackSavepoint].Run();
            _sql[ReleaseSavepoint].Run();
            StoreLog.ReclaimFailed(_logger, ex);
        }
    }

    /// <summary>After a committed group: notes the write, and empties the WAL once a reclaim finished.</summary>
    private void AfterGroup(bool wrote)
    {
        if (wrote)
        {
            _walWritten = true;
            _lastWrite = Stopwatch.GetTimestamp();
        }
        if (_truncateDue)
            Checkpoint();
    }

    /// <summary>While idle: empties the WAL once nothing was written for a while (and not more often than that).</summary>
    private void WhenQuiet()
    {
        if (_walWritten
            && Stopwatch.GetElapsedTime(_lastWrite) >= _quietCheckpoint
            && Stopwatch.GetElapsedTime(_lastTruncate) >= _quietCheckpoint)
        {
            Checkpoint();
        }
    }

    private void Checkpoint()
    {
        _truncateDue = false;
        _lastTruncate = Stopwatch.GetTimestamp();
        try
        {
            _sql[NoWait].Run();
            using var reader = _sql[TruncateWal].Read();
            // First column: 1 when a reader kept it from finishing (then it was a PASSIVE one).
            if (reader.Read() && reader.GetInt64(0) == 0)
                _walWritten = false;
        }
        catch (SqliteException ex)
        {
            StoreLog.CheckpointFailed(_logger, ex);
        }
        finally
        {
            _sql[Wait].Run();
        }
    }
}
