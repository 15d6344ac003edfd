using System.Collections.Concurrent;

namespace Fjord.Storage.Postgres;

/// <summary>Who waits for a notice about which job id; a notice completes every waiter of its id.</summary>
internal sealed class IdWaiters
{
    private readonly ConcurrentDictionary<string, List<TaskCompletionSource>> _waiters = new(StringComparer.Ordinal);

    public TaskCompletionSource Add(string id)
    {
        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        while (true)
        {
            var list = _waiters.GetOrAdd(id, _ => []);
            lock (list)
            {
                // A list emptied and removed by Remove meanwhile is dead: add to a fresh one.
                if (!_waiters.TryGetValue(id, out var current) || !ReferenceEquals(current, list))
                    continue;
                list.Add(waiter);
                return waiter;
            }
        }
    }

    public void Remove(string id, TaskCompletionSource waiter)
    {
        if (!_waiters.TryGetValue(id, out var list))
            return;
        lock (list)
        {
            list.Remove(waiter);
            if (list.Count == 0)
                _waiters.TryRemove(new KeyValuePair<string, List<TaskCompletionSource>>(id, list));
        }
    }

    public void Signal(string id)
    {
        if (!_waiters.TryGetValue(id, out var list))
            return;
        lock (list)
        {
            foreach (var waiter in list)
                waiter.TrySetResult();
        }
    }
}
