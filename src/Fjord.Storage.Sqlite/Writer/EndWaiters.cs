namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// In-process waiters for a job's end (sync invocations). The writer signals them after the
/// commit that made the job terminal, so a waiter that wakes reads the final record.
/// </summary>
internal sealed class EndWaiters
{
    private readonly Dictionary<string, List<TaskCompletionSource>> _waiters = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _count;

    public TaskCompletionSource Add(string jobId)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            if (!_waiters.TryGetValue(jobId, out var list))
                _waiters[jobId] = list = [];
            list.Add(waiter);
            _count++;
        }
        return waiter;
    }

    public void Remove(string jobId, TaskCompletionSource waiter)
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

    public void Signal(List<string> endedJobIds)
    {
        // The common case (async jobs, nobody waiting) costs one volatile read per group.
        if (endedJobIds.Count == 0 || Volatile.Read(ref _count) == 0)
            return;
        lock (_lock)
        {
            foreach (var id in endedJobIds)
            {
                if (!_waiters.TryGetValue(id, out var list))
                    continue;
                foreach (var waiter in list)
                    waiter.TrySetResult();
            }
        }
    }
}
