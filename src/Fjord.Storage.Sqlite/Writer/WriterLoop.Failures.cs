using Fjord.Core.Queue;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>How the writer fails: a refused group, a job it cannot give back, and its own stop.</summary>
internal sealed partial class WriterLoop
{
    /// <summary>
    /// The file refused the group (disk full, I/O error). SQLite may already have rolled the
    /// transaction back; either way nothing of the group is on disk, so every caller hears that
    /// its write was not confirmed (a 503, never a 202), fetches wait again, and the next group
    /// starts clean: when space returns the store simply works again.
    /// </summary>
    private void Abort(long now, Exception error)
    {
        try
        {
            _sql[Rollback].Run();
        }
        catch (SqliteException)
        {
            // No transaction left: SQLite already rolled it back itself.
        }
        _context.RolledBack();
        _fetches.RolledBack(now);
        var unavailable = new StoreUnavailableException($"the store could not confirm the write: {error.Message}", error);
        foreach (var op in _batch)
        {
            if (op is FetchRequest)
                continue;
            if (op.Error is OperationCanceledException)
                op.Cancel();
            else
                op.Fail(op.Error ?? unavailable);
        }
        StoreLog.GroupFailed(_logger, _batch.Count, error);
        _reaped = [];
        _context.Reset();
        _batch.Clear();
    }

    private void GiveBack(LeasedJob job)
    {
        var release = new ReleaseOp(job.Id, job.LeaseToken);
        if (!_channel.Writer.TryWrite(release))
            StoreLog.GiveBackFailed(_logger, job.Id);
    }

    private void Shutdown()
    {
        _channel.Writer.TryComplete(_fault);
        Exception error = _fault is { } fault
            ? new StoreUnavailableException("the store writer stopped", fault)
            : new ObjectDisposedException(nameof(SqliteStore));
        foreach (var op in _batch)
            op.Fail(error);
        _batch.Clear();
        while (_channel.Reader.TryRead(out var op))
            op.Fail(error);
        _fetches.FailAll(error);
        _stopped.TrySetResult();
    }
}
