using Fjord.Core.Jobs;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>A job that reached a terminal status in a transaction, with its outcome when the write had it at hand.</summary>
internal readonly record struct EndedJob(string Id, JobEnd? End);

/// <summary>
/// In-process waiters for a job's end (sync invocations). The writer signals them after the
/// commit that made the job terminal, so a waiter that wakes reads the final record, or is
/// handed the outcome itself (an ack or a dead letter carries it).
/// </summary>
internal sealed class EndWaiters
{
    private readonly Dictionary<string, List<TaskCompletionSource<JobEnd?>>> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _count;

    public TaskCompletionSource<JobEnd?> Add(string jobId)
    {
        var waiter = new TaskCompletionSource<JobEnd?>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (!_waiters.TryGetValue(jobId, out var list))
                _waiters[jobId] = list = [];
            list.Add(waiter);
            _count++;
        }
        return waiter;
    }

    public void Remove(string jobId, TaskCompletionSource<JobEnd?> waiter)
    {
        lock (_lock)
        {
            if (_waiters.TryGetValue(jobId, out var list) && list.Remove(waiter))
            {
                _count--;
                if (list.Count == 0)
                    _waiters.Remove(jobId);
            }
        }
    }

    public void Signal(List<EndedJob> ended)
    {
        // The common case (async jobs, nobody waiting) costs one volatile read per group.
        if (ended.Count == 0 || Volatile.Read(ref _count) == 0)
            return;
        lock (_lock)
        {
            foreach (var job in ended)
            {
                if (!_waiters.TryGetValue(job.Id, out var list))
                    continue;
                foreach (var waiter in list)
                    waiter.TrySetResult(job.End);
            }
        }
    }
}
