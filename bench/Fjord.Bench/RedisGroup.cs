using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Fjord.Bench;

/// <summary>
/// `--only redis` (issue 17): the `--only cpu` workload (no-op python jobs, gateway → Redis →
/// worker → python) on `--backend redis://…`, CPU per job summed over every process from /proc,
/// central = redis-server, edge = gateway, worker and python; next to BullMQ on the same Redis
/// (<see cref="BullmqSameRun"/>) and `fjord up`, in the same run. For Fjord and BullMQ, where
/// redis-server's time went: INFO cpu (main thread user/sys), AOF bytes and commandstats per job.
/// Then Redis's memory per job: INFO memory used_memory before and after N jobs waiting (the
/// function paused) and after the same N ended and kept, for a 100 B and a 1 KB payload.
/// </summary>
internal static class RedisGroup
{
    private const string Function = "noop-py";
    private const int Inflight = 32;
    private const int PollMs = 200;

    public static async Task<List<(LoadResult Result, string Unit)>> RunAsync(string root, string fjordDll, int scale)
    {
        var count = 20_000 / scale;
        var memoryJobs = 10_000 / scale;
        var projectFile = Path.Combine(root, "bench/fjord.bench.yml");
        var rows = new List<CpuGroup.Row>();
        var results = new List<(LoadResult, string)>();

        // FJORD_ROUNDS (default 1): more pairs of (Fjord on Redis, `fjord up`), each on fresh
        // processes, for the medians: one pair on this shared machine swings by a third.
        var rounds = int.Parse(Environment.GetEnvironmentVariable("FJORD_ROUNDS") ?? "1", CultureInfo.InvariantCulture);
        var pairs = new List<(CpuGroup.Row Redis, CpuGroup.Row Up)>();
        for (var round = 0; round < rounds; round++)
        {
            var first = round == 0;
            CpuGroup.Row onRedis;
            await using (var services = await BenchServices.StartAsync(root))
            {
                await using var cluster = await Node.StartRedisAsync(fjordDll, projectFile, [Function], services.Redis, 18093);
                await Scenarios.WarmUpAsync(cluster, Function, cluster.Pids.Values);
                var pids = new Dictionary<string, int>(cluster.Pids) { ["redis"] = services.RedisPid };
                var printStats = await ServerStatsAsync(services.RedisAdmin, count);
                onRedis = await CpuGroup.MeasureAsync("fjord on redis", count, pids, self: null,
                    () => Scenarios.EndToEndAsync(cluster, Function, count, Inflight, PollMs));
                await printStats();
                if (first)
                {
                    rows.Add(onRedis);
                    await MemoryAndPeerAsync(root, cluster, services, count, memoryJobs, rows, results);
                }
            }
            await using (var node = await Node.StartAsync(fjordDll, projectFile, 18084))
            {
                await Scenarios.WarmUpAsync(node, Function, node.Pids.Values);
                var upRow = await CpuGroup.MeasureAsync("fjord up", count, node.Pids, self: null,
                    () => Scenarios.EndToEndAsync(node, Function, count, Inflight, PollMs));
                if (first)
                    rows.Add(upRow);
                pairs.Add((onRedis, upRow));
            }
            if (rounds > 1)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round + 1}/{rounds}: fjord on redis {onRedis.Rate.PerSecond:F0} jobs/s, redis-server {onRedis.CentralMs:F3} ms/job; fjord up {pairs[^1].Up.Rate.PerSecond:F0} jobs/s; rate {onRedis.Rate.PerSecond / pairs[^1].Up.Rate.PerSecond:F2}x"));
        }

        Console.WriteLine();
        Console.WriteLine($"CPU per job (ms), {count} no-op jobs each; central = redis-server, edge = the rest");
        foreach (var row in rows)
            row.Print();
        var up = rows.Single(r => r.Name == "fjord up");
        var ratio = rows[0].Rate.PerSecond / up.Rate.PerSecond;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fjord on redis / fjord up end-to-end rate: {ratio:F2}x (target 0.8x); redis-server CPU per job {rows[0].CentralMs:F3} ms (target 0.1)"));
        if (rows.FirstOrDefault(r => r.Name == "bullmq on redis") is { } bull)
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fjord on redis / bullmq (sandboxed, same redis) rate: {rows[0].Rate.PerSecond / bull.Rate.PerSecond:F2}x; redis-server CPU per job {rows[0].CentralMs:F3} vs {bull.CentralMs:F3} ms"));
        foreach (var row in rows)
        {
            results.Add((row.Rate, "jobs/s"));
            results.Add((CpuGroup.Value($"cpu {row.Name} total", row.TotalMs), "ms/job"));
            results.Add((CpuGroup.Value($"cpu {row.Name} central", row.CentralMs), "ms/job"));
            results.Add((CpuGroup.Value($"cpu {row.Name} edge", row.EdgeMs), "ms/job"));
        }
        results.Add((CpuGroup.Value("fjord on redis / fjord up rate", ratio), "x"));
        if (rounds > 1)
        {
            var ratios = pairs.Select(p => p.Redis.Rate.PerSecond / p.Up.Rate.PerSecond).ToList();
            var central = pairs.Select(p => p.Redis.CentralMs).ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  median of {rounds} rounds: rate {Median(ratios):F2}x (range {ratios.Min():F2}-{ratios.Max():F2}), redis-server {Median(central):F3} ms/job (range {central.Min():F3}-{central.Max():F3})"));
            results.Add((CpuGroup.Value($"fjord on redis / fjord up rate, median of {rounds}", Median(ratios)), "x"));
            results.Add((CpuGroup.Value($"cpu fjord on redis central, median of {rounds}", Median(central)), "ms/job"));
        }
        return results;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>
    /// The first round only: Redis's memory per job, then the peer on the same server in the same
    /// run (Fjord's processes idle meanwhile), after the memory figures, which its keys would disturb.
    /// </summary>
    private static async Task MemoryAndPeerAsync(string root, Node cluster, BenchServices services, int count, int memoryJobs, List<CpuGroup.Row> rows, List<(LoadResult, string)> results)
    {
        foreach (var size in new[] { 100, 1024 })
        {
            var (waiting, ended) = await MemoryPerJobAsync(cluster, services.RedisAdmin, memoryJobs, size);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  redis memory, {memoryJobs} jobs of {size} B: {waiting:F0} B per waiting job, {ended:F0} B per ended job kept"));
            results.Add((CpuGroup.Value($"redis bytes/job waiting {size} B", waiting), "B/job"));
            results.Add((CpuGroup.Value($"redis bytes/job ended {size} B", ended), "B/job"));
        }
        if (await BullmqSameRun.MeasureAsync(root, services.RedisAdmin, services.RedisPid, count, () => ServerStatsAsync(services.RedisAdmin, count)) is { } peer)
            rows.Add(peer);
    }

    /// <summary>Bytes of used_memory per job: N posted while the function is paused, then the same N run to the end.</summary>
    private static async Task<(double Waiting, double Ended)> MemoryPerJobAsync(Node node, string adminUri, int count, int size)
    {
        // A JSON string of the given size in all: the quotes count.
        var body = Encoding.UTF8.GetBytes("\"" + new string('x', size - 2) + "\"");
        await Scenarios.SetPausedAsync(node, Function, true);
        var doneBefore = await Scenarios.SucceededAsync(node, Function);
        var before = await UsedMemoryAsync(adminUri);
        await Parallel.ForAsync(0, count, new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (_, ct) =>
        {
            using var content = new ByteArrayContent(body);
            content.Headers.ContentType = new("application/json");
            using var response = await node.Http.PostAsync($"/v1/functions/{Function}/jobs", content, ct);
            response.EnsureSuccessStatusCode();
        });
        var waiting = await UsedMemoryAsync(adminUri);
        await Scenarios.SetPausedAsync(node, Function, false);
        while (await Scenarios.SucceededAsync(node, Function) - doneBefore < count)
            await Task.Delay(PollMs);
        // The last job's end is written a moment after /v1/queues counts it.
        await Task.Delay(1000);
        var ended = await UsedMemoryAsync(adminUri);
        return ((waiting - before) / (double)count, (ended - before) / (double)count);
    }

    /// <summary>
    /// Where redis-server's time went, per job: INFO commandstats since the CONFIG RESETSTAT before
    /// the run (calls and microseconds by command; the commands a script runs are counted too, so
    /// EVALSHA's time includes theirs). What is left of the process's CPU beyond the EVALSHA time
    /// is the event loop itself: reading, replying, the AOF write and its fsync.
    /// </summary>
    private static void PrintCommandStats(string info, int count)
    {
        var stats = new List<(string Name, long Calls, long Usec)>();
        foreach (var line in info.Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("cmdstat_", StringComparison.Ordinal)))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var fields = line[(colon + 1)..].Split(',').Select(f => f.Split('=', 2)).ToDictionary(f => f[0], f => f[1], StringComparer.Ordinal);
            stats.Add((line["cmdstat_".Length..colon], long.Parse(fields["calls"], CultureInfo.InvariantCulture), long.Parse(fields["usec"], CultureInfo.InvariantCulture)));
        }
        Console.WriteLine($"  redis commands per job ({count} jobs; calls, usec):");
        foreach (var (name, calls, usec) in stats.OrderByDescending(s => s.Usec))
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {name,-14} {calls / (double)count,6:F2} calls  {usec / (double)count,7:F1} us"));
    }

    /// <summary>Resets the server's command stats and takes its figures now; the returned call prints what the run since cost per job.</summary>
    private static async Task<Func<Task>> ServerStatsAsync(string adminUri, int count)
    {
        await RedisCliAsync(adminUri, "CONFIG", "RESETSTAT");
        var before = await ServerFiguresAsync(adminUri);
        return async () =>
        {
            PrintServerFigures(before, await ServerFiguresAsync(adminUri), count);
            PrintCommandStats(await RedisCliAsync(adminUri, "INFO", "commandstats"), count);
        };
    }

    /// <summary>INFO cpu and persistence: the server's own CPU split (main thread user/sys, children) and its AOF.</summary>
    private static async Task<Dictionary<string, double>> ServerFiguresAsync(string adminUri)
    {
        var output = await RedisCliAsync(adminUri, "INFO", "everything");
        var wanted = new[] { "used_cpu_user_main_thread", "used_cpu_sys_main_thread", "used_cpu_user_children", "used_cpu_sys_children", "aof_current_size", "aof_rewrites", "total_net_input_bytes", "total_net_output_bytes" };
        var figures = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n').Select(l => l.Trim()))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && wanted.Contains(line[..colon]) && double.TryParse(line[(colon + 1)..], CultureInfo.InvariantCulture, out var value))
                figures[line[..colon]] = value;
        }
        return figures;
    }

    private static void PrintServerFigures(Dictionary<string, double> before, Dictionary<string, double> after, int count)
    {
        double Per(string name, double scale) => (after.GetValueOrDefault(name) - before.GetValueOrDefault(name)) * scale / count;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  redis-server per job: main thread user {Per("used_cpu_user_main_thread", 1000):F3} ms, sys {Per("used_cpu_sys_main_thread", 1000):F3} ms; children {Per("used_cpu_user_children", 1000) + Per("used_cpu_sys_children", 1000):F3} ms; AOF {Per("aof_current_size", 1):F0} B; in {Per("total_net_input_bytes", 1):F0} B, out {Per("total_net_output_bytes", 1):F0} B; AOF rewrites during the run: {after.GetValueOrDefault("aof_rewrites") - before.GetValueOrDefault("aof_rewrites"):F0}"));
    }

    private static async Task<long> UsedMemoryAsync(string adminUri)
    {
        var output = await RedisCliAsync(adminUri, "INFO", "memory");
        var line = output.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("used_memory:", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"redis-cli INFO memory printed no used_memory: {output}");
        return long.Parse(line["used_memory:".Length..], CultureInfo.InvariantCulture);
    }

    /// <summary>One redis-cli command as the admin user (the password through REDISCLI_AUTH, not argv); its output.</summary>
    internal static async Task<string> RedisCliAsync(string adminUri, params string[] command)
    {
        var uri = new Uri(adminUri);
        var userInfo = uri.UserInfo.Split(':', 2);
        var psi = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-h", uri.Host, "-p", uri.Port.ToString(CultureInfo.InvariantCulture), "--user", Uri.UnescapeDataString(userInfo[0]) }.Concat(command))
            psi.ArgumentList.Add(a);
        psi.Environment["REDISCLI_AUTH"] = Uri.UnescapeDataString(userInfo[1]);
        using var process = Process.Start(psi)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return output;
    }
}
