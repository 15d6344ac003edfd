using System.Runtime.InteropServices;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Per function, how many jobs wait (queued + scheduled), kept by the writer so that the
/// maxQueueDepth check costs a dictionary lookup instead of a COUNT. Changes made inside the open
/// transaction are journaled so a rolled-back op or group takes its changes back with it.
/// </summary>
internal sealed class QueueDepths
{
    private readonly Dictionary<string, long> _depth = new(StringComparer.Ordinal);
    private readonly List<(string Function, long Delta)> _journal = [];

    public int JournalCount => _journal.Count;

    public long Get(string function) => _depth.TryGetValue(function, out var depth) ? depth : 0;

    public void Seed(string function, long depth) => _depth[function] = depth;

    public void Add(string function, long delta)
    {
        CollectionsMarshal.GetValueRefOrAddDefault(_depth, function, out _) += delta;
        _journal.Add((function, delta));
    }

    public void UndoTo(int mark)
    {
        for (var i = _journal.Count - 1; i >= mark; i--)
        {
            var (function, delta) = _journal[i];
            CollectionsMarshal.GetValueRefOrAddDefault(_depth, function, out _) -= delta;
        }
        _journal.RemoveRange(mark, _journal.Count - mark);
    }

    public void Commit() => _journal.Clear();
}
