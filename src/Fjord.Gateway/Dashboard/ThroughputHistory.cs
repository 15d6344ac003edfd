using Fjord.Core.Storage;

namespace Fjord.Gateway.Dashboard;

/// <summary>
/// The overview's live numbers: the store's per-function counters (the same read side as
/// <c>/v1/queues</c>, never a count over jobs), read at most once a second however many dashboards
/// poll, and kept for 15 minutes so the chart can show succeeded and failed per second.
/// Samples are taken only while someone looks, so the chart starts when the first dashboard opens.
/// </summary>
internal sealed class ThroughputHistory(IJobMonitor monitor, TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan MinInterval = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _read = new(1, 1);
    private readonly Queue<Sample> _samples = new();
    private Sample? _last;

    public sealed record Sample(DateTimeOffset At, IReadOnlyList<QueueStats> Queues);

    /// <summary>The newest sample (taken now unless one is under a second old) and every sample of the window, oldest first.</summary>
    public async Task<(Sample Latest, Sample[] Window)> ReadAsync(CancellationToken cancellationToken)
    {
        await _read.WaitAsync(cancellationToken);
        try
        {
            var now = time.GetUtcNow();
            if (_last is null || now - _last.At >= MinInterval)
            {
                _last = new Sample(now, await monitor.GetQueuesAsync(cancellationToken));
                _samples.Enqueue(_last);
                while (_samples.Count > 0 && now - _samples.Peek().At > Window)
                    _samples.Dequeue();
            }
            return (_last, _samples.ToArray());
        }
        finally
        {
            _read.Release();
        }
    }

    /// <summary>Per-second rates between consecutive samples, over the functions <paramref name="covers"/> allows.</summary>
    public static (double[] Times, double[] Succeeded, double[] Failed) Rates(Sample[] samples, Func<string, bool> covers)
    {
        var n = Math.Max(0, samples.Length - 1);
        var t = new double[n];
        var ok = new double[n];
        var failed = new double[n];
        for (var i = 1; i < samples.Length; i++)
        {
            var (prev, cur) = (samples[i - 1], samples[i]);
            var seconds = Math.Max(0.001, (cur.At - prev.At).TotalSeconds);
            long dOk = 0, dFailed = 0;
            foreach (var q in cur.Queues)
            {
                if (!covers(q.Name))
                    continue;
                // A function new since the previous sample counts from zero: no spike for its history.
                var before = Find(prev.Queues, q.Name);
                if (before is null)
                    continue;
                dOk += Math.Max(0, q.Succeeded - before.Succeeded);
                dFailed += Math.Max(0, q.Failed - before.Failed);
            }
            t[i - 1] = cur.At.ToUnixTimeMilliseconds() / 1000.0;
            ok[i - 1] = dOk / seconds;
            failed[i - 1] = dFailed / seconds;
        }
        return (t, ok, failed);
    }

    private static QueueStats? Find(IReadOnlyList<QueueStats> queues, string name)
    {
        for (var i = 0; i < queues.Count; i++)
        {
            if (string.Equals(queues[i].Name, name, StringComparison.Ordinal))
                return queues[i];
        }
        return null;
    }
}
