using Fjord.Core.Jobs;
using Fjord.Core.Ledger;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

/// <summary>
/// One claimed attempt. Every call goes through the writer and is fenced by the lease token.
/// Disposing without a completing call gives the job back uncounted (the worker never ran it,
/// or is shutting down): it is at the head of its queue again at once, not after a lease timeout.
/// Disposing after a completing call THREW (disk full) is different: the attempt ran, so it is
/// taken back counted, with a crash attempt recorded, never as if it had not started.
/// </summary>
internal sealed class SqliteLease : IJobLease
{
    private readonly WriterLoop _writer;
    private readonly LiveLeases _live;
    private readonly CancellationTokenSource _canceled = new();
    private int _ended;
    private volatile bool _completionFailed;

    public SqliteLease(WriterLoop writer, LeasedJob job, LiveLeases live)
    {
        _writer = writer;
        Job = job;
        _live = live;
        live.Add(this);
    }

    public LeasedJob Job { get; }

    /// <summary>Fires after a cancel of this attempt committed; the store has recorded it already.</summary>
    public CancellationToken Canceled => _canceled.Token;

    /// <summary>
    /// Called on the writer thread after the commit: the cancellation callbacks (killing a
    /// process tree) run on the thread pool, never on the writer. The source is never disposed
    /// (it has no timer), so a late signal cannot race a dispose.
    /// </summary>
    internal void SignalCanceled() => _ = _canceled.CancelAsync();

    public Task<bool> RenewAsync(CancellationToken cancellationToken) =>
        _writer.Post(new RenewOp(Job.Id, Job.LeaseToken) { CancellationToken = cancellationToken });

    public Task<bool> AckAsync(AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(LedgerCompletion.Ack, outcome, 0, cancellationToken);

    public Task<bool> RetryAtAsync(DateTimeOffset runAt, AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(LedgerCompletion.Retry, outcome, UnixMs.From(runAt), cancellationToken);

    public Task<bool> DeadLetterAsync(AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(LedgerCompletion.DeadLetter, outcome, 0, cancellationToken);

    private async Task<bool> EndAsync(LedgerCompletion kind, AttemptOutcome outcome, long runAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        bool ended;
        try
        {
            ended = await _writer.Post(new CompleteOp(kind, Job.Id, Job.LeaseToken, Job.Sync, outcome, runAt) { CancellationToken = cancellationToken });
        }
        catch
        {
            _completionFailed = true;
            throw;
        }
        // Fenced (false) or done (true), the attempt is no longer ours to give back. A call
        // that threw (store unavailable) leaves it ours: dispose takes it back, counted.
        Volatile.Write(ref _ended, 1);
        _live.Remove(this);
        return ended;
    }

    public async ValueTask DisposeAsync()
    {
        _live.Remove(this);
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        try
        {
            if (_completionFailed)
                await _writer.Post(new TakeBackRanOp(Job.Id, Job.LeaseToken));
            else
                await _writer.Post(new ReleaseOp(Job.Id, Job.LeaseToken));
        }
        catch (Exception ex) when (ex is ObjectDisposedException or StoreUnavailableException)
        {
            // The store is closing or failing: the job stays running in the file and is taken
            // back (counted) by the reaper when its lease runs out, or at the next open.
        }
    }
}
