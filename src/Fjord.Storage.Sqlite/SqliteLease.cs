using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

/// <summary>
/// One claimed attempt. Every call goes through the writer and is fenced by the lease token.
/// Disposing without a completing call gives the job back uncounted (the worker never ran it,
/// or is shutting down): it is at the head of its queue again at once, not after a lease timeout.
/// </summary>
internal sealed class SqliteLease(WriterLoop writer, LeasedJob job) : IJobLease
{
    private int _ended;

    public LeasedJob Job => job;

    public Task<bool> RenewAsync(CancellationToken cancellationToken) =>
        writer.Post(new RenewOp(job.Id, job.LeaseToken) { CancellationToken = cancellationToken });

    public Task<bool> AckAsync(AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(Completion.Ack, outcome, 0, cancellationToken);

    public Task<bool> RetryAtAsync(DateTimeOffset runAt, AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(Completion.Retry, outcome, UnixMs.From(runAt), cancellationToken);

    public Task<bool> DeadLetterAsync(AttemptOutcome outcome, CancellationToken cancellationToken) =>
        EndAsync(Completion.DeadLetter, outcome, 0, cancellationToken);

    private async Task<bool> EndAsync(Completion kind, AttemptOutcome outcome, long runAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var ended = await writer.Post(new CompleteOp(kind, job.Id, job.LeaseToken, job.Sync, outcome, runAt) { CancellationToken = cancellationToken });
        // Fenced (false) or done (true), the attempt is no longer ours to give back. A call
        // that threw (store unavailable) leaves it ours: dispose still hands it back.
        Volatile.Write(ref _ended, 1);
        return ended;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _ended, 1) != 0)
            return;
        try
        {
            await writer.Post(new ReleaseOp(job.Id, job.LeaseToken));
        }
        catch (Exception ex) when (ex is ObjectDisposedException or StoreUnavailableException)
        {
            // The store is closing or failing: the job stays running in the file and is taken
            // back by the reaper when its lease runs out, or at the next open.
        }
    }
}
