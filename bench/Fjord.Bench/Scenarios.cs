using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Fjord.Bench;

/// <summary>
/// The workloads of docs/benchmarks.md. Closed-loop scenarios keep a fixed number of requests in
/// flight; the paced one is open-loop (sends on a schedule whatever the answers do), so a slow
/// answer cannot hide queueing delay.
/// </summary>
internal static class Scenarios
{
    public static readonly byte[] Payload = Encoding.UTF8.GetBytes("""{"id":12345,"kind":"noop","data":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab"}""");

    /// <summary>
    /// <paramref name="inflight"/> keep-alive connections each sending <paramref name="request"/>
    /// back to back until <paramref name="count"/> answers came; every answer but
    /// <paramref name="expected"/> counts as an error.
    /// </summary>
    private static async Task<LoadResult> ClosedLoopAsync(string name, Node node, byte[] request, int count, int inflight, int expected, int jobsPerRequest = 1)
    {
        var latencies = new long[count];
        var next = -1;
        var errors = 0;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, inflight).Select(_ => Task.Run(async () =>
        {
            using var connection = new RawHttpConnection(node.Port);
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var start = Stopwatch.GetTimestamp();
                var status = await connection.SendAsync(request);
                latencies[i] = Stopwatch.GetTimestamp() - start;
                if (status != expected)
                    Interlocked.Increment(ref errors);
            }
        })));
        return new LoadResult(name, count * jobsPerRequest, sw.Elapsed, latencies, errors);
    }

    public static Task<LoadResult> IntakeAsync(Node node, string function, int count, int inflight) =>
        ClosedLoopAsync("intake", node, RawHttpConnection.Request("POST", $"/v1/functions/{function}/jobs", node.Key, Payload), count, inflight, 202);

    public static Task<LoadResult> BatchAsync(Node node, string function, int count, int batchSize, int inflight)
    {
        var body = Encoding.UTF8.GetBytes("[" + string.Join(',', Enumerable.Repeat(Encoding.UTF8.GetString(Payload), batchSize)) + "]");
        var request = RawHttpConnection.Request("POST", $"/v1/functions/{function}/jobs:batch", node.Key, body);
        return ClosedLoopAsync($"batch x{batchSize}", node, request, count / batchSize, inflight, 202, batchSize);
    }

    /// <summary>
    /// From the first POST to the last completion, workers idle at the start. Completions are
    /// counted through /v1/queues every <paramref name="pollMs"/>: on PostgreSQL that query
    /// counts the waiting rows, so polling it too often loads the store under test.
    /// </summary>
    public static async Task<LoadResult> EndToEndAsync(Node node, string function, int count, int inflight, int pollMs = 5, string? name = null)
    {
        var baseline = await SucceededAsync(node, function);
        var sw = Stopwatch.StartNew();
        var intake = await IntakeAsync(node, function, count, inflight);
        while (await SucceededAsync(node, function) - baseline < count - intake.Errors)
            await Task.Delay(pollMs);
        return new LoadResult(name ?? $"end-to-end {function}", count, sw.Elapsed, [], intake.Errors);
    }

    /// <summary>
    /// Warm-up until the JIT is done: rounds of <paramref name="round"/> jobs until the processes'
    /// tiering threads used under 0.01 ms of CPU per job in a round (at most
    /// <paramref name="maxRounds"/>). A fixed count is not enough on a loaded machine, where the
    /// starved background JIT was still at work after 8,000 jobs; a long-running node pays it once.
    /// </summary>
    public static async Task WarmUpAsync(Node node, string function, IEnumerable<int> pids, int round = 2_000, int maxRounds = 10)
    {
        var list = pids.ToList();
        for (var i = 1; i <= maxRounds; i++)
        {
            var before = ProcCpu.JitSeconds(list);
            await EndToEndAsync(node, function, round, 32, 200);
            var perJob = (ProcCpu.JitSeconds(list) - before) * 1000 / round;
            // The tiering thread exits when idle and a new one starts on demand: a drop means
            // one ended during the round, whose work is not seen here; not settled yet.
            if (perJob is >= 0 and < 0.01 || i == maxRounds)
            {
                Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture,
                    $"  warm-up: {i * round} jobs, JIT {perJob:F3} ms/job in the last {round}"));
                return;
            }
        }
    }

    public static Task<LoadResult> SyncAsync(Node node, string function, int count, int inflight) =>
        ClosedLoopAsync($"sync {function} x{inflight}", node, RawHttpConnection.Request("POST", $"/v1/functions/{function}/invoke", node.Key, Payload), count, inflight, 200);

    /// <summary>Open loop at a fixed rate; returns (202 latency, enqueue→start latency from the job records).</summary>
    public static async Task<(LoadResult Accept, LoadResult Dispatch)> PacedAsync(Node node, string function, int count, int perSecond)
    {
        var latencies = new long[count];
        var ids = new string?[count];
        var errors = 0;
        var interval = Stopwatch.Frequency / perSecond;
        var origin = Stopwatch.GetTimestamp();
        var sends = new List<Task>(count);
        for (var i = 0; i < count; i++)
        {
            var due = origin + i * interval;
            while (Stopwatch.GetTimestamp() < due)
            {
                var wait = (due - Stopwatch.GetTimestamp()) * 1000 / Stopwatch.Frequency;
                if (wait > 2)
                    await Task.Delay((int)(wait - 1));
                else
                    Thread.SpinWait(50);
            }
            var index = i;
            sends.Add(Task.Run(async () =>
            {
                var start = Stopwatch.GetTimestamp();
                using var content = new ByteArrayContent(Payload);
                using var response = await node.Http.PostAsync($"/v1/functions/{function}/jobs", content);
                latencies[index] = Stopwatch.GetTimestamp() - start;
                if (response.StatusCode == HttpStatusCode.Accepted)
                {
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStreamAsync());
                    ids[index] = doc.RootElement.GetProperty("id").GetString();
                }
                else
                {
                    Interlocked.Increment(ref errors);
                }
            }));
        }
        await Task.WhenAll(sends);
        var elapsed = TimeSpan.FromTicks((Stopwatch.GetTimestamp() - origin) * TimeSpan.TicksPerSecond / Stopwatch.Frequency);

        // Dispatch latency from the records: createdAt (durable intake) → startedAt (lease taken).
        var dispatch = new List<long>(count);
        foreach (var id in ids)
        {
            if (id is null)
                continue;
            for (var tries = 0; tries < 200; tries++)
            {
                using var doc = JsonDocument.Parse(await node.Http.GetStringAsync($"/v1/jobs/{id}"));
                var root = doc.RootElement;
                if (root.TryGetProperty("startedAt", out var s) && s.ValueKind == JsonValueKind.String)
                {
                    var attempts = root.GetProperty("attempts");
                    var started = attempts.GetArrayLength() > 0 ? attempts[0].GetProperty("startedAt").GetDateTimeOffset() : s.GetDateTimeOffset();
                    var created = root.GetProperty("createdAt").GetDateTimeOffset();
                    dispatch.Add((long)((started - created).TotalSeconds * Stopwatch.Frequency));
                    break;
                }
                await Task.Delay(10);
            }
        }
        return (new LoadResult($"paced {perSecond}/s: 202", count, elapsed, latencies, errors),
                new LoadResult($"paced {perSecond}/s: enqueue→start", dispatch.Count, elapsed, [.. dispatch], count - dispatch.Count));
    }

    public static async Task<long> SucceededAsync(Node node, string function)
    {
        using var doc = JsonDocument.Parse(await node.Http.GetStringAsync("/v1/queues"));
        foreach (var f in doc.RootElement.GetProperty("functions").EnumerateArray())
        {
            if (f.GetProperty("name").GetString() == function)
                return f.GetProperty("succeeded").GetInt64() + f.GetProperty("failed").GetInt64();
        }
        return 0;
    }

    public static async Task SetPausedAsync(Node node, string function, bool paused)
    {
        using var response = await node.Http.PostAsync($"/v1/functions/{function}/{(paused ? "pause" : "resume")}", null);
        response.EnsureSuccessStatusCode();
    }
}
