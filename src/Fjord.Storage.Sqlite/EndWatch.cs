using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>A waiter registered before its job exists (see <see cref="WatchEnd"/>).</summary>
    private sealed class EndWatch : IJobEndWatch
    {
        private readonly SqliteStore _store;
        private readonly string _id;
        private readonly TaskCompletionSource<JobEnd?> _waiter;

        public EndWatch(SqliteStore store, string id)
        {
            _store = store;
            _id = id;
            _waiter = store._waiters.Add(id);
        }

        public async Task<JobEnd?> WaitAsync(CancellationToken cancellationToken)
        {
            if (await _waiter.Task.WaitAsync(cancellationToken) is { } end)
                return end;
            // Ended by a write that did not carry the outcome (a lease taken back on its last
            // attempt, say): read it.
            if (await _store.GetJobAsync(_id, cancellationToken) is not { } record)
                return null;
            var result = record.Status == JobStatus.Succeeded ? await _store.GetResultAsync(_id, cancellationToken) : null;
            return new JobEnd(record.Status, record.Error, result);
        }

        public void Dispose() => _store._waiters.Remove(_id, _waiter);
    }
}
