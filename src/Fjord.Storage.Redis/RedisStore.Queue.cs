using System.Globalization;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// The queue: no broker beside the records. Waiting jobs sit in one sorted set per function,
/// scored by due time (ties by id, which is time-ordered), so a scheduled job or a retry becomes
/// ready by time alone. A fetch takes exactly one job, only when the worker has a free process,
/// so nothing is prefetched: many workers share a function fairly, first come first served.
/// Writes that arrive together go together (group commit, <see cref="Coalescer{TIn,TOut}"/>):
/// a gateway's concurrent requests as one Enqueue call, a worker's completions and the claims of
/// its free slots as one Cycle call; each job's change of state is still one script's.
/// </summary>
public sealed partial class RedisStore : IJobQueue, IBacklogSource
{
    private const int FieldsPerJob = 13;

    public async Task<IReadOnlyList<EnqueuedJob>> EnqueueAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
            return [];
        // Encoded (compressed, or refused past the cap) here, before the request joins a batch:
        // one request's oversized payload must refuse that request alone, not the others that
        // happen to share its Enqueue call, and compression stays off the batch's critical path.
        var stored = new NewJob[jobs.Count];
        for (var k = 0; k < jobs.Count; k++)
            stored[k] = jobs[k] with { Payload = StoredPayload(jobs[k].Payload) };
        var reply = await _enqueues.RunAsync(stored);
        if ((long)reply[0] == 0)
            throw new QueueFullException((string)reply[1]!, TimeSpan.FromSeconds(1 + Random.Shared.Next(5)));
        var results = new EnqueuedJob[jobs.Count];
        for (var k = 0; k < jobs.Count; k++)
            results[k] = new EnqueuedJob((string)reply[1 + k * 2]!, (long)reply[2 + k * 2] == 1);
        return results;
    }

    /// <summary>One Enqueue call for the requests that arrived together; one answer per request.</summary>
    private async Task<IReadOnlyList<RedisResult[]>> EnqueueBatchAsync(IReadOnlyList<IReadOnlyList<NewJob>> groups)
    {
        var args = new RedisValue[1 + groups.Count + groups.Sum(g => g.Count) * FieldsPerJob];
        args[0] = groups.Count;
        var i = 1;
        foreach (var jobs in groups)
        {
            args[i++] = jobs.Count;
            foreach (var job in jobs)
            {
                args[i++] = job.Id;
                args[i++] = job.Function;
                args[i++] = job.MaxAttempts;
                args[i++] = UnixMs.From(job.CreatedAt);
                args[i++] = job.RunAt is { } at ? UnixMs.From(at) : "";
                args[i++] = job.Sync ? "1" : "0";
                args[i++] = job.ContentType ?? "";
                args[i++] = job.CallbackUrl ?? "";
                args[i++] = job.Trace ?? "";
                args[i++] = JobTrigger.Pack(job.Trigger) ?? "";
                args[i++] = job.IdempotencyKey ?? "";
                args[i++] = (long)IdempotencyKeys.Lifetime.TotalMilliseconds + IdempotencyKeys.ExtraMilliseconds(job.IdempotencyLifetime);
                args[i++] = job.Payload; // already in its stored form (EnqueueAsync)
            }
        }
        var reply = (RedisResult[])(await RunAsync(IntakeDb, JobScripts.Enqueue, args))!;
        // One WAIT for the whole batch: it covers every write its connection made before it.
        await WaitForReplicasAsync();
        return Array.ConvertAll(reply, r => (RedisResult[])r!);
    }

    /// <summary>One Cycle call for a worker's items that arrived together; one answer per item.</summary>
    private async Task<IReadOnlyList<RedisResult>> CycleBatchAsync(IReadOnlyList<RedisValue[]> items)
    {
        var args = new RedisValue[1 + items.Sum(i => i.Length)];
        args[0] = LeaseMs;
        var k = 1;
        foreach (var item in items)
        {
            item.CopyTo(args, k);
            k += item.Length;
        }
        var answers = (RedisResult[])(await RunAsync(JobScripts.Cycle, args))!;
        // Counted before the answers reach their slots, so the next batch's hold sees these jobs.
        Claimed(answers.Count(a => a.Resp2Type == ResultType.Array && (long)((RedisResult[])a!)[0] == 3));
        return answers;
    }

    /// <summary>A completion ('a' or 'f' with its fields, see <see cref="JobScripts.Cycle"/>): true when recorded, false when fenced.</summary>
    internal async Task<bool> EndAsync(RedisValue[] item) => (long)await _cycle.RunAsync(item) == 1;

    public async Task<IJobLease> FetchAsync(string function, string node, CancellationToken cancellationToken)
    {
        var signal = Signal(function);
        await WorkChannelsAsync();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var woken = signal.Next;
            // Not cancelable once asked: a job claimed for this call is handed out, never dropped.
            var reply = (RedisResult[])(await _cycle.RunAsync(["c", function, node]))!;
            var wait = TimeSpan.FromSeconds(1);
            switch ((long)reply[0])
            {
                case 3:
                    LeasedJob job;
                    try
                    {
                        job = Leased(function, reply);
                    }
                    catch
                    {
                        // Never tracked: it must not keep the completion hold waiting.
                        Claimed(-1);
                        throw;
                    }
                    return new RedisLease(this, job);
                case 2:
                    var due = UnixMs.To((long)reply[1]) - DateTimeOffset.UtcNow;
                    if (due < wait)
                        wait = due < TimeSpan.FromMilliseconds(5) ? TimeSpan.FromMilliseconds(5) : due;
                    break;
            }
            try
            {
                await woken.WaitAsync(wait, cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private static LeasedJob Leased(string function, RedisResult[] r) => new()
    {
        Id = (string)r[1]!,
        Function = function,
        Attempt = (int)r[2],
        MaxAttempts = int.Parse((string)r[3]!, CultureInfo.InvariantCulture),
        CreatedAt = UnixMs.To(long.Parse((string)r[4]!, CultureInfo.InvariantCulture)),
        LeaseToken = (long)r[5],
        Sync = (string?)r[6] == "1",
        ContentType = r[7].IsNull ? null : (string?)r[7],
        CallbackUrl = r[8].IsNull ? null : (string?)r[8],
        StartedAt = UnixMs.To((long)r[9]),
        ReadyAt = UnixMs.To(long.Parse((string)r[10]!, CultureInfo.InvariantCulture)),
        Trace = r[11].IsNull ? null : (string?)r[11],
        Trigger = JobTrigger.Unpack(r[12].IsNull ? null : (string?)r[12]),
        Payload = r[13].IsNull ? [] : StoredBody.Decode((byte[])r[13]!),
    };

    /// <summary>Ready jobs per function (due now, counted up to the cap) and the oldest one's wait: two reads per function.</summary>
    public Task<IReadOnlyDictionary<string, Backlog>> GetBacklogAsync(IReadOnlyCollection<string> functions, int cap, CancellationToken cancellationToken) => Guard<IReadOnlyDictionary<string, Backlog>>(async () =>
    {
        ArgumentNullException.ThrowIfNull(functions);
        var result = new Dictionary<string, Backlog>(StringComparer.Ordinal);
        var now = UnixMs.From(DateTimeOffset.UtcNow);
        foreach (var function in functions)
        {
            var key = P + "q:" + function;
            var ready = await Db.SortedSetLengthAsync(key, double.NegativeInfinity, now);
            if (ready == 0 || await Db.HashGetAsync(P + "f:" + function, "paused") == "1")
            {
                result[function] = Backlog.None;
                continue;
            }
            var oldest = await Db.SortedSetRangeByRankWithScoresAsync(key, 0, 0);
            var age = oldest.Length == 1 ? TimeSpan.FromMilliseconds(Math.Max(0, now - oldest[0].Score)) : TimeSpan.Zero;
            result[function] = new Backlog(Math.Min(ready, cap), age);
        }
        return result;
    });

    public void ListenForWork(Action<string> listener)
    {
        lock (_workListeners)
            _workListeners.Add(listener);
        // Heard once subscribed; a failure here is retried by the next fetch or listener.
        _ = WorkChannelsAsync();
    }

    internal async Task<bool> CompleteAsync(RedisScript script, params RedisValue[] args) =>
        (long)await RunAsync(script, args) == 1;
}
