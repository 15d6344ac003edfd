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
        var index = (query.Function, query.Status) switch
        {
            ({ } fn, { } st) => $"{P}xf:{fn}:{(int)st}",
            ({ } fn, null) => $"{P}ixf:{fn}",
            (null, { } st) => $"{P}xa:{(int)st}",
            _ => P + "ix",
        };
        var max = query.Cursor is { } after ? "(" + after : "+";
        var min = query.Since is { } since ? "[" + JobId.Floor(since) : "-";
        var items = new List<JobRecord>(Math.Min(limit, 64));
        var examined = 0;
        while (true)
        {
            var take = query.ErrorKind is null ? limit + 1 - items.Count : Math.Min(200, MaxExamined - examined);
            var ids = (RedisResult[])(await Db.ExecuteAsync("ZREVRANGEBYLEX", index, max, min, "LIMIT", 0, take))!;
            var more = ids.Length == take;
            foreach (var idValue in ids)
            {
                var id = (string)idValue!;
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
        var log = await Db.ListGetByIndexAsync(P + "l:" + id, -1);
        if (!log.IsNull)
            return (string?)log;
        return await Db.KeyExistsAsync(P + "j:" + id) ? "" : null;
    });

    public Task<string?> GetAttemptLogAsync(string id, int attempt, CancellationToken cancellationToken) => Guard<string?>(async () =>
    {
        var attempts = await Db.ListRangeAsync(P + "a:" + id);
        for (var i = attempts.Length - 1; i >= 0; i--)
        {
            if (Attempt(attempts[i]).Number == attempt)
                return (string?)await Db.ListGetByIndexAsync(P + "l:" + id, i);
        }
        return null;
    });

    public Task<IReadOnlyList<string>> GetAttemptLogsAsync(string id, CancellationToken cancellationToken) => Guard<IReadOnlyList<string>>(async () =>
        [.. (await Db.ListRangeAsync(P + "l:" + id)).Select(l => (string?)l ?? "")]);

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

    /// <summary>Registers first, then reads: an end between the two is seen by the read, one after it by the end channel; re-reads every 2 s in case a notice was lost.</summary>
    public async Task<JobRecord?> WaitForEndAsync(string id, CancellationToken cancellationToken)
    {
        while (true)
        {
            var ended = EndOf(id);
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
