using System.Diagnostics;

namespace Fjord.Core.Storage;

/// <summary>
/// Group commit for one kind of write (PostgreSQL statements, Redis scripts): a caller that finds fewer than
/// <c>maxInFlight</c> batches running goes at once, alone; callers that arrive while they run
/// wait and go together, as one statement, as soon as one of them ends. Nothing is delayed on a
/// timer (but for the optional hold, which waits only while its owner says more items are
/// moments away), so an idle node pays no latency, and a busy one pays one statement, one commit and one
/// WAL flush (on Redis: one script call and one AOF fsync) per batch instead of per job (the embedded store's writer does the same, see
/// Storage.Sqlite/Writer/WriterLoop.cs).
///
/// Each item gets its own answer; if the statement fails every caller in its batch sees the
/// exception, as each would have alone (the writes batched here fail only as a whole:
/// server down, timeout).
/// </summary>
public sealed class Coalescer<TIn, TOut>
{
    private readonly Func<IReadOnlyList<TIn>, Task<IReadOnlyList<TOut>>> _run;
    private readonly int _maxInFlight;
    private readonly int _maxBatch;
    private readonly bool _gather;
    private readonly Func<bool>? _holdWhile;
    private readonly long _maxHoldTicks;
    private readonly Lock _lock = new();
    private readonly Queue<(TIn Item, TaskCompletionSource<TOut> Done)> _waiting = new();
    private int _inFlight;
    private TaskCompletionSource? _arrived;

    /// <param name="run">Runs one batch; returns one answer per item, in order.</param>
    /// <param name="gather">
    /// A caller that finds a batch free first lets the callers already scheduled on the thread
    /// pool run (one yield, no timer), so writes that follow each other by microseconds go as
    /// one: a worker's completion and its slot's next claim (the slot is woken just before the
    /// completion is written), which would otherwise take a round trip each.
    /// </param>
    /// <param name="holdWhile">
    /// Nagle's algorithm, for one batch in flight only: before a batch goes, it waits (up to
    /// <paramref name="maxHold"/>, woken by each arrival) while this says more items that belong
    /// with it are about to come; a worker's short jobs still running, whose completions and next
    /// claims would otherwise each take a call (and on Redis an fsync) of their own. It is asked
    /// again at every arrival, so it must be cheap; null never holds.
    /// </param>
    public Coalescer(Func<IReadOnlyList<TIn>, Task<IReadOnlyList<TOut>>> run, int maxInFlight, int maxBatch, bool gather = false, Func<bool>? holdWhile = null, TimeSpan maxHold = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        if (holdWhile is not null && maxInFlight != 1)
            throw new ArgumentException("a hold needs one batch in flight: it is the only one waiting", nameof(holdWhile));
        _run = run;
        _maxInFlight = maxInFlight;
        _maxBatch = maxBatch;
        _gather = gather;
        _holdWhile = holdWhile;
        _maxHoldTicks = (long)(maxHold.TotalSeconds * Stopwatch.Frequency);
    }

    public Task<TOut> RunAsync(TIn item)
    {
        // Continuations off this thread: the batch's runner goes on to the next batch instead
        // of running every caller's rest of the request first.
        var done = new TaskCompletionSource<TOut>(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_lock)
        {
            _waiting.Enqueue((item, done));
            start = _inFlight < _maxInFlight;
            if (start)
                _inFlight++;
        }
        Volatile.Read(ref _arrived)?.TrySetResult();
        if (start)
            _ = _gather ? GatherThenDrainAsync() : DrainAsync();
        return done.Task;
    }

    private async Task GatherThenDrainAsync()
    {
        await Task.Yield();
        await DrainAsync();
    }

    private async Task DrainAsync()
    {
        while (true)
        {
            if (_holdWhile is not null)
                await HoldAsync();
            var batch = new List<(TIn Item, TaskCompletionSource<TOut> Done)>();
            lock (_lock)
            {
                while (batch.Count < _maxBatch && _waiting.TryDequeue(out var next))
                    batch.Add(next);
                if (batch.Count == 0)
                {
                    _inFlight--;
                    return;
                }
            }
            try
            {
                var answers = await _run(batch.ConvertAll(b => b.Item));
                for (var i = 0; i < batch.Count; i++)
                    batch[i].Done.TrySetResult(answers[i]);
            }
            catch (Exception ex)
            {
                foreach (var (_, done) in batch)
                    done.TrySetException(ex);
            }
        }
    }

    private async Task HoldAsync()
    {
        // The common case, nothing to wait for, allocates nothing: this runs before every batch.
        if (!_holdWhile!())
            return;
        var until = Stopwatch.GetTimestamp() + _maxHoldTicks;
        while (true)
        {
            // Armed before the question, so an arrival between the two is not missed.
            var arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _arrived, arrived);
            var left = until - Stopwatch.GetTimestamp();
            if (left <= 0 || !_holdWhile())
                break;
            try
            {
                await arrived.Task.WaitAsync(Stopwatch.GetElapsedTime(0, left));
            }
            catch (TimeoutException)
            {
            }
        }
        Volatile.Write(ref _arrived, null);
        // The last completion's slot asks for its next job a moment later: gather it too.
        await Task.Yield();
    }
}
