using System.Diagnostics;
using System.Globalization;

namespace Fjord.Bench;

/// <summary>
/// `--only cpu`: what a job costs in CPU, summed over every process that touches it (from /proc,
/// children included), not what two cores can hold. The same no-op python jobs go through
/// Fjord on RabbitMQ + PostgreSQL (gateway → broker → worker → python → database) and through
/// `fjord up`; next to them raw RabbitMQ.Client (the broker's own floor) and raw RabbitMQ.Client
/// plus one PostgreSQL INSERT and one UPDATE per message (the floor of any design that keeps
/// each job's record in the database). Split: central = broker + database (what a shared data
/// node pays), edge = gateway, worker and function processes (what scales out with machines).
/// The load generator (this process) is not counted, except as the raw client's publisher and
/// consumer, which it is.
/// </summary>
internal static class CpuGroup
{
    private const string Function = "noop-py";
    private const int Inflight = 32;
    private const int PollMs = 200;
    private const int DataNodeCores = 8;

    public static async Task<List<(LoadResult Result, string Unit)>> RunAsync(string root, string fjordDll, int scale)
    {
        var count = 20_000 / scale;
        // The raw clients' warm-up; Fjord's processes warm up until their JIT is done
        // (Scenarios.WarmUpAsync): with 1,000 jobs the background tiering was still at work in
        // the measured run, 0.17-0.48 ms of `fjord up`'s CPU per job on a loaded machine.
        var warmup = 1_000;
        var projectFile = Path.Combine(root, "bench/fjord.bench.yml");
        var rows = new List<Row>();

        await using (var services = await BenchServices.StartAsync(root))
        {
            var central = new Dictionary<string, int> { ["broker"] = services.BrokerPid, ["epmd"] = services.EpmdPid, ["postgres"] = services.PostgresPid };

            await RawRabbit.EndToEndAsync(services.Broker, warmup, 8, Scenarios.Payload);
            rows.Add(await MeasureAsync("raw rabbit", count, central, self: "client",
                () => RawRabbit.EndToEndAsync(services.Broker, count, 8, Scenarios.Payload)));

            var floorDb = await services.CreateDatabaseAsync("bench_floor");
            await RawRabbit.EndToEndAsync(services.Broker, warmup, 8, Scenarios.Payload, floorDb);
            rows.Add(await MeasureAsync("raw rabbit + pg insert/update", count, central, self: "client",
                () => RawRabbit.EndToEndAsync(services.Broker, count, 8, Scenarios.Payload, floorDb)));

            await using var cluster = await Node.StartScaleOutAsync(fjordDll, projectFile, [Function], services.Broker,
                await services.CreateDatabaseAsync("bench_cpu"), 18091);
            await Scenarios.WarmUpAsync(cluster, Function, cluster.Pids.Values);
            rows.Add(await MeasureAsync("fjord on rabbit", count, new Dictionary<string, int>(central.Concat(cluster.Pids)), self: null,
                () => Scenarios.EndToEndAsync(cluster, Function, count, Inflight, PollMs)));
        }
        // The broker and PostgreSQL are stopped: `fjord up` has the machine to itself.
        await using (var node = await Node.StartAsync(fjordDll, projectFile, 18082))
        {
            await Scenarios.WarmUpAsync(node, Function, node.Pids.Values);
            rows.Add(await MeasureAsync("fjord up", count, node.Pids, self: null,
                () => Scenarios.EndToEndAsync(node, Function, count, Inflight, PollMs)));
        }

        Console.WriteLine();
        Console.WriteLine($"CPU per job (ms), {count} no-op jobs each; central = broker + database, edge = the rest");
        foreach (var row in rows)
            row.Print();
        var results = new List<(LoadResult, string)>();
        foreach (var row in rows)
        {
            results.Add((row.Rate, "jobs/s"));
            results.Add((Value($"cpu {row.Name} total", row.TotalMs), "ms/job"));
            results.Add((Value($"cpu {row.Name} central", row.CentralMs), "ms/job"));
            results.Add((Value($"cpu {row.Name} edge", row.EdgeMs), "ms/job"));
            if (row.CentralMs > 0)
                results.Add((new LoadResult($"ceiling {row.Name} {DataNodeCores}-core data node", (int)(DataNodeCores * 1000 / row.CentralMs), TimeSpan.FromSeconds(1), [], 0), "jobs/s"));
        }
        return results;
    }

    private static readonly HashSet<string> Central = ["broker", "epmd", "postgres", "redis"];

    internal static async Task<Row> MeasureAsync(string name, int count, IReadOnlyDictionary<string, int> pids, string? self, Func<Task<LoadResult>> run)
    {
        var me = Process.GetCurrentProcess();
        var before = ProcCpu.Snapshot(pids);
        var selfBefore = me.TotalProcessorTime;
        var result = await run();
        me.Refresh();
        var selfCpu = (me.TotalProcessorTime - selfBefore).TotalSeconds;
        var after = ProcCpu.Snapshot(pids);
        var perProcess = after.ToDictionary(p => p.Key, p => (p.Value - before[p.Key]) * 1000 / count, StringComparer.Ordinal);
        if (self is not null)
            perProcess[self] = selfCpu * 1000 / count;
        return new Row(name, new LoadResult(name, count, result.Elapsed, [], result.Errors), perProcess);
    }

    internal static LoadResult Value(string name, double value) => new(name, 1, TimeSpan.FromSeconds(1 / Math.Max(value, 1e-9)), [], 0);

    internal sealed record Row(string Name, LoadResult Rate, Dictionary<string, double> PerProcessMs)
    {
        public double CentralMs => PerProcessMs.Where(p => Central.Contains(p.Key)).Sum(p => p.Value);

        public double EdgeMs => PerProcessMs.Where(p => !Central.Contains(p.Key)).Sum(p => p.Value);

        public double TotalMs => CentralMs + EdgeMs;

        public void Print()
        {
            var parts = string.Join(", ", PerProcessMs.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {p.Value:F3}")));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Name,-30} total {TotalMs:F3}  central {CentralMs:F3}  edge {EdgeMs:F3}  ({Rate.PerSecond:F0} jobs/s; {parts})"));
        }
    }
}
