namespace Fjord.Runtime.Processes;

/// <summary>
/// Collects a process's stdout up to a cap. Past the cap the attempt is failed and the process
/// killed at once rather than left blocked on a full pipe or allowed to fill the worker's memory.
/// </summary>
internal sealed class CappedOutput
{
    private readonly MemoryStream _buffer = new();
    private readonly Lock _gate = new();
    private readonly int _cap;
    private readonly Action _onOverflow;

    public CappedOutput(Stream stream, int cap, Action onOverflow)
    {
        _cap = cap;
        _onOverflow = onOverflow;
        Completion = Task.Run(() => PumpAsync(stream));
    }

    public bool Overflowed { get; private set; }
    public Task Completion { get; }

    private async Task PumpAsync(Stream stream)
    {
        var chunk = new byte[65536];
        try
        {
            int n;
            while ((n = await stream.ReadAsync(chunk)) > 0)
            {
                lock (_gate)
                {
                    if (_buffer.Length + n > _cap)
                    {
                        Overflowed = true;
                        break;
                    }
                    _buffer.Write(chunk, 0, n);
                }
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
        }
        if (Overflowed)
            _onOverflow();
    }

    /// <summary>
    /// What was written, once the stream ended or <paramref name="grace"/> passed: without a
    /// cgroup, a detached grandchild may hold stdout open for ever, and it must not hold the job.
    /// </summary>
    public async Task<byte[]> ToArrayAsync(TimeSpan grace)
    {
        await Task.WhenAny(Completion, Task.Delay(grace));
        lock (_gate)
            return _buffer.ToArray();
    }
}
