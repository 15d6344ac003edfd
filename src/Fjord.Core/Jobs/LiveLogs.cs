using System.Collections.Concurrent;
using System.Text;
using System.Threading.Channels;

namespace Fjord.Core.Jobs;

/// <summary>
/// The logs of attempts running in this process, as they are written, for
/// <c>GET /v1/jobs/{id}/logs?follow=true</c>. Only a process that runs the attempt has it (`fjord up`);
/// a gateway of a cluster does not, and follows a job by its stored attempt logs instead.
/// </summary>
public sealed class LiveLogs
{
    private readonly ConcurrentDictionary<string, LiveLog> _running = new(StringComparer.Ordinal);

    /// <summary>Opens the log of a starting attempt; disposing it ends every follower's stream of that attempt.</summary>
    public LiveLog Open(string jobId, int attempt)
    {
        var log = new LiveLog(this, jobId, attempt);
        _running[jobId] = log;
        return log;
    }

    public LiveLog? Find(string jobId) => _running.TryGetValue(jobId, out var log) ? log : null;

    internal void Closed(LiveLog log) => _running.TryRemove(new KeyValuePair<string, LiveLog>(log.JobId, log));
}

/// <summary>
/// One running attempt's log: what was written so far (kept, within the per-attempt cap, so a
/// follower that joins late gets it first), and a channel per follower. Writes never block the
/// process's stderr pump: a follower that cannot keep up loses lines, not the function its speed.
/// </summary>
public sealed class LiveLog : IDisposable
{
    private const int MaxKeptChars = 64 * 1024;
    private const int FollowerBuffer = 4096;

    private readonly LiveLogs _owner;
    private readonly Lock _gate = new();
    private readonly StringBuilder _sofar = new();
    private readonly List<Channel<string>> _followers = [];
    private readonly Decoder _decoder = Encoding.UTF8.GetDecoder();
    private bool _closed;

    internal LiveLog(LiveLogs owner, string jobId, int attempt)
    {
        _owner = owner;
        JobId = jobId;
        Attempt = attempt;
    }

    public string JobId { get; }

    public int Attempt { get; }

    /// <summary>Raw stderr bytes of the attempt (a <c>LogTap</c>).</summary>
    public void Write(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
            return;
        lock (_gate)
        {
            if (_closed)
                return;
            var chars = new char[_decoder.GetCharCount(bytes, flush: false)];
            var n = _decoder.GetChars(bytes, chars, flush: false);
            if (n == 0)
                return;
            var text = new string(chars, 0, n);
            if (_sofar.Length + text.Length <= MaxKeptChars)
                _sofar.Append(text);
            foreach (var follower in _followers)
                follower.Writer.TryWrite(text);
        }
    }

    /// <summary>What was written so far, then every write until the attempt ends.</summary>
    public ChannelReader<string> Follow()
    {
        var channel = Channel.CreateBounded<string>(new BoundedChannelOptions(FollowerBuffer) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
        lock (_gate)
        {
            if (_sofar.Length > 0)
                channel.Writer.TryWrite(_sofar.ToString());
            if (_closed)
                channel.Writer.TryComplete();
            else
                _followers.Add(channel);
        }
        return channel.Reader;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_closed)
                return;
            _closed = true;
            foreach (var follower in _followers)
                follower.Writer.TryComplete();
            _followers.Clear();
        }
        _owner.Closed(this);
    }
}
