using Fjord.Core.Jobs;
using Fjord.Core.Ledger;
using Fjord.Core.Queue;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// One claimed attempt. The lease token lives in the job row; the message stays unacked while
/// the job runs. Each completion writes PostgreSQL first and acks the message only after that
/// write committed: a crash in between leaves an unacked message that is redelivered, finds the
/// job finished, and is dropped. A fenced completion (false) acks too: the job's fate is decided
/// elsewhere, and this message must not come back to run it again.
/// </summary>
internal sealed class RabbitLease : IJobLease
{
    private readonly IJobLedger _ledger;
    private readonly FunctionConsumer _consumer;
    private readonly Delivery _delivery;
    private readonly LeasedJob _job;
    private readonly Action _nudgeRelay;
    private readonly ILeaseCancelWatch _cancel;
    private int _ended;
    private int _left;
    private volatile bool _completionFailed;

    public RabbitLease(IJobLedger ledger, FunctionConsumer consumer, Delivery delivery, LeasedJob job, Action nudgeRelay)
    {
        _ledger = ledger;
        _consumer = consumer;
        _delivery = delivery;
        _job = job;
        _nudgeRelay = nudgeRelay;
        _cancel = ledger.WatchCancel(job.Id);
        consumer.Enter(lease: true);
    }

    private void Leave()
    {
        if (Interlocked.Exchange(ref _left, 1) == 0)
        {
            _cancel.Dispose();
            _consumer.Leave(lease: true);
        }
    }

    public LeasedJob Job => _job;

    /// <summary>A cancel from any node: it already recorded the attempt and fenced this lease (the ledger's cancel).</summary>
    public CancellationToken Canceled => _cancel.Token;

    public Task<bool> RenewAsync(CancellationToken cancellationToken) => _ledger.RenewAsync(_job.Id, _job.LeaseToken, cancellationToken);

    public Task<bool> AckAsync(AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(LedgerCompletion.Ack, outcome, default, cancellationToken);

    public Task<bool> RetryAtAsync(DateTimeOffset runAt, AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(LedgerCompletion.Retry, outcome, runAt, cancellationToken);

    public Task<bool> DeadLetterAsync(AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(LedgerCompletion.DeadLetter, outcome, default, cancellationToken);

    private async Task<bool> EndAsync(LedgerCompletion kind, AttemptOutcome outcome, DateTimeOffset runAt, CancellationToken cancellationToken)
    {
        // A failure here (database down) propagates with the lease still ours: dispose then takes
        // it back counted (the attempt ran), and failing that the message is requeued and the
        // lease runs out, which the reaper counts the same way.
        bool recorded;
        try
        {
            recorded = await _ledger.CompleteAsync(kind, _job.Id, _job.LeaseToken, outcome, runAt, cancellationToken);
        }
        catch
        {
            _completionFailed = true;
            throw;
        }
        Volatile.Write(ref _ended, 1);
        await _consumer.AckAsync(_delivery);
        Leave();
        // A retry wrote an outbox row; the relay publishes it when due (a short backoff may already be).
        if (recorded && kind == LedgerCompletion.Retry)
            _nudgeRelay();
        return recorded;
    }

    /// <summary>
    /// Not completed: give the job back (an outbox row brings it back at once), then drop this
    /// message. Uncounted when no completion was tried (the attempt never started, or the node is
    /// stopping before it did); counted when a completion threw, because then the attempt ran.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
        {
            Leave();
            return;
        }
        try
        {
            if (_completionFailed)
                await _ledger.TakeBackRanAsync(_job.Id, _job.LeaseToken, CancellationToken.None);
            else
                await _ledger.ReleaseAsync(_job.Id, _job.LeaseToken, CancellationToken.None);
            await _consumer.AckAsync(_delivery);
            _nudgeRelay();
        }
        catch (StoreUnavailableException)
        {
            // The database is unreachable: requeue the message. Its redelivery finds the job still
            // running and is dropped; the reaper takes the job back when its lease runs out.
            await _consumer.RequeueAsync(_delivery);
        }
        finally
        {
            Leave();
        }
    }
}
