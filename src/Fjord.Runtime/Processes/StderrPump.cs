using System.Text;

namespace Fjord.Runtime.Processes;

/// <summary>
/// Reads a function process's stderr into a <see cref="LogTail"/> for as long as the process
/// lives. A warm shim ends each job's log with a marker line carrying a per-process nonce and the
/// job's sequence number; the pump cuts the log there, so every job gets exactly its own lines
/// even though stderr and the protocol arrive on different pipes.
/// </summary>
internal sealed class StderrPump
{
    private const int MaxPendingLine = 8192;

    private readonly Stream _stream;
    private readonly LogTail _tail;
    private readonly byte[]? _markerPrefix;
    private readonly Lock _gate = new();
    private readonly List<byte> _pending = [];
    private readonly Dictionary<long, TaskCompletionSource<string>> _waiters = [];
    private readonly Dictionary<long, string> _finished = [];

    public StderrPump(Stream stream, int capacity, string? markerPrefix)
    {
        _stream = stream;
        _tail = new LogTail(capacity);
        _markerPrefix = markerPrefix is null ? null : Encoding.ASCII.GetBytes(markerPrefix);
        Completion = Task.Run(PumpAsync);
    }

    private LogTap? _tap;

    /// <summary>
    /// Sends what the process writes from now on also to <paramref name="tap"/> (null stops); set per attempt.
    /// With <paramref name="replay"/> the tap first gets what the current log holds already: a
    /// process started for one attempt writes from its first instruction, before its runner can
    /// attach the tap, and `logs -f` must not miss those lines (a loaded node showed it does).
    /// </summary>
    public void SetTap(LogTap? tap, bool replay = false)
    {
        lock (_gate)
        {
            _tap = tap;
            if (replay && tap is not null && _tail.Kept() is { Length: > 0 } kept)
                tap(kept);
        }
    }

    /// <summary>Completes at end of stream (the process and every holder of its stderr are gone).</summary>
    public Task Completion { get; }

    private async Task PumpAsync()
    {
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = await _stream.ReadAsync(buffer)) > 0)
            {
                lock (_gate)
                    Feed(buffer.AsSpan(0, n));
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        lock (_gate)
        {
            FlushPending();
        }
    }

    private void Feed(ReadOnlySpan<byte> data)
    {
        if (_markerPrefix is null)
        {
            _tail.Append(data);
            _tap?.Invoke(data);
            return;
        }
        while (data.Length > 0)
        {
            var newline = data.IndexOf((byte)'\n');
            if (newline < 0)
            {
                foreach (var b in data)
                    _pending.Add(b);
                if (_pending.Count > MaxPendingLine)
                    FlushPending();
                return;
            }
            foreach (var b in data[..(newline + 1)])
                _pending.Add(b);
            data = data[(newline + 1)..];
            var line = _pending.ToArray();
            _pending.Clear();
            if (!TryEndJob(line))
            {
                _tail.Append(line);
                _tap?.Invoke(line);
            }
        }
    }

    /// <summary>
    /// A marker may follow output that did not end its line (print(x, end="")), so it is searched
    /// anywhere in the line; what precedes it still belongs to the job.
    /// </summary>
    private bool TryEndJob(byte[] line)
    {
        var span = line.AsSpan().TrimEnd((byte)'\n');
        var at = span.IndexOf(_markerPrefix);
        if (at < 0 || !long.TryParse(span[(at + _markerPrefix!.Length)..], out var seq))
            return false;
        _tail.Append(span[..at]);
        _tap?.Invoke(span[..at]);
        var log = _tail.Take();
        if (_waiters.Remove(seq, out var waiter))
            waiter.TrySetResult(log);
        else
            _finished[seq] = log;
        return true;
    }

    private void FlushPending()
    {
        _tail.Append(_pending.ToArray());
        _pending.Clear();
    }

    /// <summary>The log of job <paramref name="seq"/>, once its end marker has been read.</summary>
    public Task<string> WaitForJobAsync(long seq)
    {
        lock (_gate)
        {
            if (_finished.Remove(seq, out var log))
                return Task.FromResult(log);
            var waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters[seq] = waiter;
            return waiter.Task;
        }
    }

    /// <summary>Whatever was logged since the last job ended (used when a job ends without its marker).</summary>
    public string TakeRest()
    {
        lock (_gate)
        {
            FlushPending();
            return _tail.Take();
        }
    }
}
