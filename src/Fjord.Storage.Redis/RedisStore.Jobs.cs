using System.Globalization;
using System.Text.Json;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

public sealed partial class RedisStore : IJobStore, IAttemptLogs, IJobPreviews
{
    public const int MaxListLimit = 1000;

    /// <summary>How many ids one page may look at when a filter (error kind) has no index of its own.</summary>
    private const int MaxExamined = 1000;

    public Task<JobRecord?> GetJobAsync(string id, CancellationToken cancellationToken) => Guard<JobRecord?>(async () =>
    {
        var batch = Db.CreateBatch();
        var hash = batch.HashGetAllAsync(P + "j:" + id);
        var attempts = batch.ListRangeAsync(P + "a:" + id);
        var tries = batch.ListRangeAsync(P + "ct:" + id);
        var size = batch.StringLengthAsync(P + "r:" + id);
        var head = batch.StringGetRangeAsync(P + "r:" + id, 0, StoredBody.HeaderLength - 1);
        batch.Execute();
        var fields = await hash;
        if (fields.Length == 0)
            return null;
        return Record(id, fields, await attempts, await BodyLengthAsync(size, head)) with { Callbacks = Callbacks(await tries) };
    });

    public Task<JobPage> ListJobsAsync(JobQuery query, CancellationToken cancellationToken) => Guard<JobPage>(async () =>
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Cursor is { } cursor && !JobId.IsValid(cursor))
            throw new ArgumentException("the cursor is not one this store handed out", nameof(query));
        var limit = Math.Clamp(query.Limit, 1, MaxListLimit);
        // Indexes per function and status only (each job's state change writes one key, not
        // two or three): a listing across functions or states merges them (fns: the functions
        // that have jobs), running jobs from the lease set.
        var functions = query.Function is { } one ? [one] : (await Db.SetMembersAsync(P + "fns")).Select(f => (string)f!).ToList();
        var indexes = query.Status == JobStatus.Running ? [] : functions.SelectMany(fn =>
            (query.Status is { } st ? [st] : Indexed).Select(s => $"{P}xf:{fn}:{(int)s}")).ToList();
        var running = query.Status is null or JobStatus.Running ? await RunningIdsAsync(query.Function) : null;
        var max = query.Cursor is { } after ? "(" + after : "+";
        var min = query.Since is { } since ? "[" + JobId.Floor(since) : "-";
        var items = new List<JobRecord>(Math.Min(limit, 64));
        var examined = 0;
        while (true)
        {
            var take = query.ErrorKind is null ? limit + 1 - items.Count : Math.Min(200, MaxExamined - examined);
            var (ids, more) = await NewestAsync(indexes, running, max, min, take);
            foreach (var id in ids)
            {
                examined++;
                max = "(" + id;
                if (await GetJobAsync(id, cancellationToken) is not { } job)
                    continue;
                if (query.ErrorKind is { } kind && job.Error?.Kind != kind)
                    continue;
                if (items.Count == limit)
                    return new JobPage(items, items[^1].Id);
                items.Add(job);
            }
            if (!more)
                return new JobPage(items, null);
            if (query.ErrorKind is not null && examined >= MaxExamined)
                return new JobPage(items, max[1..]);
        }
    });

    /// <summary>The states with an index of their own (running jobs are the lease set's).</summary>
    private static readonly JobStatus[] Indexed = [JobStatus.Queued, JobStatus.Scheduled, JobStatus.Succeeded, JobStatus.Failed, JobStatus.Canceled];

    /// <summary>The newest <paramref name="take"/> ids across the indexes and the running ids (either may be empty / null).</summary>
    private async Task<(List<string> Ids, bool More)> NewestAsync(List<string> indexes, List<string>? running, string max, string min, int take)
    {
        var (stored, moreStored) = indexes.Count == 0 ? ([], false) : await NewestIdsAsync(indexes, max, min, take);
        if (running is null)
            return (stored, moreStored);
        var (busy, moreBusy) = NewestOf(running, max, min, take);
        if (indexes.Count == 0)
            return (busy, moreBusy);
        // Read apart, not atomically: a job claimed between the reads may be in both.
        var all = stored.Concat(busy).Distinct(StringComparer.Ordinal).ToList();
        all.Sort((a, b) => string.CompareOrdinal(b, a));
        return all.Count > take ? (all.GetRange(0, take), true) : (all, moreStored || moreBusy);
    }

    /// <summary>The newest <paramref name="take"/> ids below <paramref name="max"/> across the indexes (by id, newest first), and whether more may follow.</summary>
    private async Task<(List<string> Ids, bool More)> NewestIdsAsync(List<string> indexes, string max, string min, int take)
    {
        var batch = Db.CreateBatch();
        var reads = indexes.ConvertAll(index => batch.ExecuteAsync("ZREVRANGEBYLEX", index, max, min, "LIMIT", 0, take));
        batch.Execute();
        var all = new List<string>();
        var more = false;
        foreach (var read in reads)
        {
            var ids = (RedisResult[])(await read)!;
            more |= ids.Length == take;
            all.AddRange(ids.Select(i => (string)i!));
        }
        all.Sort((a, b) => string.CompareOrdinal(b, a));
        if (all.Count > take)
            return (all.GetRange(0, take), true);
        return (all, more);
    }

    /// <summary>Running jobs (of one function), newest first: the lease set holds exactly the running jobs, as many as the cluster has busy processes.</summary>
    private async Task<List<string>> RunningIdsAsync(string? function)
    {
        var ids = (await Db.SortedSetRangeByRankAsync(P + "lease")).Select(i => (string)i!).ToList();
        if (function is not null)
        {
            var batch = Db.CreateBatch();
            var names = ids.ConvertAll(id => batch.HashGetAsync(P + "j:" + id, "fn"));
            batch.Execute();
            var mine = new List<string>(ids.Count);
            for (var i = 0; i < ids.Count; i++)
            {
                if (await names[i] == function)
                    mine.Add(ids[i]);
            }
            ids = mine;
        }
        ids.Sort((a, b) => string.CompareOrdinal(b, a));
        return ids;
    }

    /// <summary>The page of an in-memory id list (newest first) between the cursor bounds as ZREVRANGEBYLEX takes them ("(" id, "[" id, "+", "-").</summary>
    private static (List<string> Ids, bool More) NewestOf(List<string> newestFirst, string max, string min, int take)
    {
        var page = newestFirst.Where(id => (max == "+" || string.CompareOrdinal(id, max[1..]) < 0)
            && (min == "-" || string.CompareOrdinal(id, min[1..]) >= 0)).Take(take + 1).ToList();
        return page.Count > take ? (page.GetRange(0, take), true) : (page, false);
    }

    public Task<JobResult?> GetResultAsync(string id, CancellationToken cancellationToken) => Guard<JobResult?>(async () =>
    {
        var h = await Db.HashGetAsync(P + "j:" + id, ["st", "rct"]);
        if (h[0] != Lua.Succeeded.ToString(CultureInfo.InvariantCulture))
            return null;
        var body = await Db.StringGetAsync(P + "r:" + id);
        return body.IsNull ? null : new JobResult(StoredBody.Decode((byte[])body!), h[1].IsNull ? "application/octet-stream" : (string)h[1]!);
    });

    public Task<string?> GetLogAsync(string id, CancellationToken cancellationToken) => Guard<string?>(async () =>
    {
        var batch = Db.CreateBatch();
        var state = batch.HashGetAsync(P + "j:" + id, "st");
        var read = batch.ListGetByIndexAsync(P + "a:" + id, -1);
        batch.Execute();
        var (st, last) = (await state, await read);
        if (st.IsNull)
            return null;
        return last.IsNull || QuietSuccess(st, last) ? "" : await LogAtAsync(id, last);
    });

    public Task<string?> GetAttemptLogAsync(string id, int attempt, CancellationToken cancellationToken) => Guard<string?>(async () =>
    {
        var batch = Db.CreateBatch();
        var state = batch.HashGetAsync(P + "j:" + id, ["st", "att"]);
        var read = batch.ListRangeAsync(P + "a:" + id);
        batch.Execute();
        var (h, attempts) = (await state, await read);
        if (QuietSuccess(h[0], attempts.Length == 0 ? RedisValue.Null : attempts[^1]) && (int)h[1] == attempt)
            return "";
        for (var i = attempts.Length - 1; i >= 0; i--)
        {
            if (Attempt(attempts[i]).Number == attempt)
                return await LogAtAsync(id, attempts[i]);
        }
        return null;
    });

    public Task<IReadOnlyList<string>> GetAttemptLogsAsync(string id, CancellationToken cancellationToken) => Guard<IReadOnlyList<string>>(async () =>
    {
        var batch = Db.CreateBatch();
        var state = batch.HashGetAsync(P + "j:" + id, "st");
        var read = batch.ListRangeAsync(P + "a:" + id);
        var printed = batch.ListRangeAsync(P + "l:" + id);
        batch.Execute();
        var (st, attempts, logs) = (await state, await read, await printed);
        List<string> all = [.. attempts.Select(a => LogIndex(a) is { } i && i < logs.Length ? (string?)logs[i] ?? "" : "")];
        if (QuietSuccess(st, attempts.Length == 0 ? RedisValue.Null : attempts[^1]))
            all.Add("");
        return all;
    });

    /// <summary>
    /// A job that succeeded with an attempt that printed nothing has no entry in a:ID for it
    /// (<see cref="JobScripts.Cycle"/>): the job hash holds that attempt. A success is always the
    /// last attempt (only a dead letter is requeued), so the list's last entry tells.
    /// </summary>
    private static bool QuietSuccess(RedisValue status, RedisValue lastEntry) =>
        status == Lua.Succeeded && (lastEntry.IsNull || Attempt(lastEntry).Outcome != AttemptOutcomes.Succeeded);

    /// <summary>An attempt's log: in l:ID at the place the attempt names, or none ("") when it printed nothing.</summary>
    private async Task<string> LogAtAsync(string id, RedisValue attempt) =>
        LogIndex(attempt) is { } i ? (string?)await Db.ListGetByIndexAsync(P + "l:" + id, i) ?? "" : "";

    private static int? LogIndex(RedisValue json)
    {
        using var doc = JsonDocument.Parse((string)json!);
        return doc.RootElement.TryGetProperty("l", out var l) && l.ValueKind == JsonValueKind.Number ? l.GetInt32() : null;
    }

    public Task<BodyHead?> GetBodyHeadAsync(string id, JobBody body, int maxBytes, CancellationToken cancellationToken) => Guard<BodyHead?>(async () =>
    {
        var key = P + (body == JobBody.Payload ? "p:" : "r:") + id;
        var h = await Db.HashGetAsync(P + "j:" + id, ["st", body == JobBody.Payload ? "ct" : "rct"]);
        if (h[0].IsNull || (body == JobBody.Result && !await Db.KeyExistsAsync(key)))
            return null;
        var size = await Db.StringLengthAsync(key);
        var head = size == 0 ? [] : (byte[])(await Db.StringGetRangeAsync(key, 0, Math.Max(maxBytes, StoredBody.HeaderLength) - 1))!;
        if (StoredBody.OriginalLength(head) is { } length)
        {
            // Kept compressed: the head of the body as it came.
            var body = StoredBody.Decode((byte[])(await Db.StringGetAsync(key))!);
            return new BodyHead(body[..(int)Math.Min(Math.Max(maxBytes, 0), length)], length, h[1].IsNull ? null : (string?)h[1]);
        }
        return new BodyHead(head[..(int)Math.Min(Math.Max(maxBytes, 0), head.Length)], size, h[1].IsNull ? null : (string?)h[1]);
    });

    public async Task<JobCommandResult> RetryAsync(string id, CancellationToken cancellationToken) =>
        Command((long)await RunAsync(JobScripts.Requeue, id));

    public async Task<JobCommandResult> CancelAsync(string id, CancellationToken cancellationToken) =>
        Command((long)await RunAsync(JobScripts.Cancel, id, AttemptOutcomes.CanceledWhileRunning));

    private static JobCommandResult Command(long reply) => reply switch
    {
        1 => JobCommandResult.Done,
        0 => JobCommandResult.WrongState,
        _ => JobCommandResult.NotFound,
    };

    /// <summary>
    /// Registers first (here, on the end channel, and on the job: <see cref="JobScripts.Watch"/>),
    /// then reads: an end between the two is seen by the read, one after it by the end channel;
    /// re-reads every 2 s in case a notice was lost.
    /// </summary>
    public async Task<JobRecord?> WaitForEndAsync(string id, CancellationToken cancellationToken)
    {
        await EndChannelAsync();
        var watched = false;
        while (true)
        {
            var ended = EndOf(id);
            if (!watched)
            {
                await RunAsync(JobScripts.Watch, id);
                watched = true;
            }
            var job = await GetJobAsync(id, cancellationToken);
            if (job is null || job.Status.IsTerminal())
                return job;
            try
            {
                await ended.WaitAsync(TimeSpan.FromSeconds(2), cancellationToken);
            }
            catch (TimeoutException)
            {
            }
        }
    }

    private static JobRecord Record(string id, HashEntry[] fields, RedisValue[] attempts, long resultSize)
    {
        var h = fields.ToDictionary(f => (string)f.Name!, f => f.Value, StringComparer.Ordinal);
        string? Text(string name) => h.TryGetValue(name, out var v) && !v.IsNull ? (string?)v : null;
        long? Number(string name) => Text(name) is { } t ? long.Parse(t, CultureInfo.InvariantCulture) : null;
        DateTimeOffset? Time(string name) => Number(name) is { } ms ? UnixMs.To(ms) : null;

        var status = (JobStatus)Number("st")!.Value;
        var runAt = Number("run") ?? 0;
        var job = new JobRecord
        {
            Id = id,
            Function = Text("fn")!,
            Status = status,
            Attempt = (int)(Number("att") ?? 0),
            MaxAttempts = (int)(Number("max") ?? 0),
            CreatedAt = Time("cat") ?? default,
            RunAt = status is JobStatus.Queued or JobStatus.Scheduled ? UnixMs.To(runAt) : null,
            StartedAt = Time("sat"),
            QueueWaitMs = JobRecord.QueueWait(status, runAt, Number("sat")),
            FinishedAt = Time("fat"),
            Node = Text("node"),
            CallbackUrl = Text("cb"),
            Error = Text("ek") is { } kind ? new JobError(JobScripts.Kind(kind) ?? ErrorKind.Crash, Text("em") ?? "", (int?)Number("ec")) : null,
            ResultContentType = status == JobStatus.Succeeded ? Text("rct") : null,
            ResultSize = status == JobStatus.Succeeded ? resultSize : null,
            Trace = Text("tr"),
            Trigger = JobTrigger.Unpack(Text("tg")),
        };
        var list = attempts.Select(Attempt).ToList();
        if (status == JobStatus.Running && job.StartedAt is { } started)
            list.Add(new AttemptRecord(job.Attempt, started, null, job.Node, AttemptOutcomes.Running, null));
        else if (status == JobStatus.Succeeded && (list.Count == 0 || list[^1].Outcome != AttemptOutcomes.Succeeded) && job.StartedAt is { } began)
            list.Add(new AttemptRecord(job.Attempt, began, job.FinishedAt, job.Node, AttemptOutcomes.Succeeded, null));
        return job with { Attempts = list };
    }

    private static AttemptRecord Attempt(RedisValue json)
    {
        using var doc = JsonDocument.Parse((string)json!);
        var a = doc.RootElement;
        string? Text(string name) => a.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        long? Number(string name) => a.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? (long)v.GetDouble() : null;
        var error = Text("ek") is { } kind ? new JobError(JobScripts.Kind(kind) ?? ErrorKind.Crash, Text("em") ?? "", (int?)Number("ec")) : null;
        return new AttemptRecord((int)(Number("n") ?? 0), UnixMs.To(Number("s") ?? 0), Number("f") is { } f ? UnixMs.To(f) : null, Text("node"), Text("o") ?? "", error);
    }

    private static List<CallbackRecord> Callbacks(RedisValue[] tries)
    {
        var list = new List<CallbackRecord>(tries.Length);
        foreach (var entry in tries)
        {
            using var doc = JsonDocument.Parse((string)entry!);
            var t = doc.RootElement;
            int? code = t.TryGetProperty("sc", out var sc) && sc.ValueKind == JsonValueKind.Number ? sc.GetInt32() : null;
            var error = t.TryGetProperty("err", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;
            list.Add(new CallbackRecord(list.Count + 1, UnixMs.To((long)t.GetProperty("at").GetDouble()), (JobStatus)t.GetProperty("st").GetInt32(), code, error));
        }
        return list;
    }
}
