using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>
    /// Completes once every job is committed with synchronous=FULL (unless all are sync
    /// invocations): then, and only then, a 202 may be sent. All or none of the batch is stored.
    /// </summary>
    public Task<IReadOnlyList<EnqueuedJob>> EnqueueAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
            return Task.FromResult<IReadOnlyList<EnqueuedJob>>([]);
        return _writer.Post(new EnqueueOp(jobs) { CancellationToken = cancellationToken });
    }

    /// <summary>
    /// Waits (parked in the writer, not polling) until a job of <paramref name="function"/> is
    /// due and the function is not paused, then leases it. Cancelling gives up the wait; a job
    /// claimed in the same instant is released back, never lost.
    /// </summary>
    public Task<IJobLease> FetchAsync(string function, string node, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentException.ThrowIfNullOrEmpty(node);
        return _writer.Fetch(function, node, cancellationToken);
    }
}
