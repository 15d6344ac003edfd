using System.Globalization;
using System.Text.Json;
using Fjord.Bench;

// bench: starts `fjord up` with bench/fjord.bench.yml, runs the scenarios, prints a table and
// appends one JSON line per scenario (with the machine's description) to bench/results/results.jsonl.
// The rabbit group starts its own RabbitMQ + PostgreSQL (scripts/services.sh) and its own nodes.
var quick = args.Contains("--quick");
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
var root = FindRoot();
// FJORD_BENCH_FJORD: another build of fjord.dll (a copy, so a rebuild meanwhile cannot pull it from under a long run).
var fjordDll = Environment.GetEnvironmentVariable("FJORD_BENCH_FJORD") is { Length: > 0 } other ? other : Path.Combine(root, "src/Fjord.Cli/bin/Release/net10.0/fjord.dll");
var scale = quick ? 5 : 1;

var results = new List<(LoadResult Result, string Unit)>();
var machine = Machine.Describe();
Console.WriteLine($"machine: {machine}");

// The groups in the order a run takes them: `--only NAME` runs the one of that name, a run without
// --only those marked InAll. The unnamed group is the scenarios of one `fjord up` node (intake, e2e,
// sync, paced): any --only that names no group picks among them by prefix.
(string? Name, bool InAll, Func<Task<IEnumerable<(LoadResult Result, string Unit)>>> Run)[] groups =
[
    ("runtime", true, async () => WithUnit("runs/s", await ColdStart.RunAsync(root, 200 / scale))),
    ("images", false, async () => WithUnit("runs/s", await ImageStart.RunAsync(root, 200 / scale))),
    ("keep", false, async () => await KeepGroup.RunAsync(quick ? 100_000 : 1_000_000)),
    ("keep-pg", false, async () => await KeepGroup.RunPostgresAsync(root, quick ? 100_000 : 1_000_000)),
    ("soak", false, async () => await SoakGroup.RunAsync(root, fjordDll)),
    (null, true, NodeScenariosAsync),
    ("rabbit", true, async () => await RabbitGroup.RunAsync(root, fjordDll, scale)),
    ("cpu", true, async () => await CpuGroup.RunAsync(root, fjordDll, scale)),
    ("redis", false, async () => await RedisGroup.RunAsync(root, fjordDll, scale)),
    ("cpu-up", false, async () => await UpCpuGroup.RunAsync(root, fjordDll, scale)),
    // Only when asked: writing 1,000,000 jobs takes a minute of its own.
    ("dashboard", false, async () => await DashboardGroup.RunAsync(root, fjordDll, scale)),
];
var named = only is not null && groups.Any(g => g.Name == only);
foreach (var (name, inAll, run) in groups)
{
    if (only is null ? inAll : name is null ? !named : name == only)
        results.AddRange(await run());
}

Console.WriteLine();
Console.WriteLine($"{"scenario",-34} {"count",8} {"rate",10} {"unit",-7} {"p50 ms",8} {"p99 ms",8} {"errors",6}");
var stamp = DateTimeOffset.UtcNow.ToString("o", CultureInfo.InvariantCulture);
var lines = new List<string>();
foreach (var (r, unit) in results)
{
    var rate = unit == "MB" ? r.Count : r.PerSecond;
    // Ratios (unit "x") and CPU per job (unit "ms/job") are values, not rates: no count of their own, decimals.
    var ratio = unit is "x" or "ms/job";
    var rateText = rate.ToString(unit == "ms/job" ? "F3" : ratio ? "F2" : "F0", CultureInfo.InvariantCulture);
    var countText = ratio ? "" : r.Count.ToString(CultureInfo.InvariantCulture);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{r.Name,-34} {countText,8} {rateText,10} {unit,-7} {r.PercentileMs(50),8:F2} {r.PercentileMs(99),8:F2} {r.Errors,6}"));
    lines.Add(JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["at"] = stamp,
        ["quick"] = quick,
        ["machine"] = machine,
        ["scenario"] = r.Name,
        ["count"] = r.Count,
        ["rate"] = Math.Round(rate, ratio ? 3 : 1),
        ["unit"] = unit,
        ["p50_ms"] = double.IsNaN(r.PercentileMs(50)) ? null : Math.Round(r.PercentileMs(50), 3),
        ["p99_ms"] = double.IsNaN(r.PercentileMs(99)) ? null : Math.Round(r.PercentileMs(99), 3),
        ["errors"] = r.Errors,
    }));
}
var resultsFile = Path.Combine(root, "bench/results/results.jsonl");
await File.AppendAllLinesAsync(resultsFile, lines);
Console.WriteLine($"appended to {resultsFile}");
return results.Any(r => r.Result.Errors > 0) ? 1 : 0;

async Task<IEnumerable<(LoadResult Result, string Unit)>> NodeScenariosAsync()
{
    var scenarios = new List<(LoadResult Result, string Unit)>();
    await using var node = await Node.StartAsync(fjordDll, Path.Combine(root, "bench/fjord.bench.yml"), 18080);
    var idleRss = node.RssBytes();
    bool Want(string name) => only is null || name.StartsWith(only, StringComparison.Ordinal);

    if (Want("intake"))
    {
        await Scenarios.SetPausedAsync(node, "sink", true);
        // Warm-up: the JIT tiers hot methods up over the first seconds of load (tiered PGO);
        // measuring before that measures the JIT.
        await Scenarios.IntakeAsync(node, "sink", 20_000 / scale, 32);
        await Scenarios.BatchAsync(node, "sink", 20_000 / scale, 100, 4);
        scenarios.Add((await Scenarios.IntakeAsync(node, "sink", 20_000 / scale, 32), "202/s"));
        scenarios.Add((await Scenarios.BatchAsync(node, "sink", 100_000 / scale, 100, 4), "jobs/s"));
        scenarios.Add((await Scenarios.BatchAsync(node, "sink", 100_000 / scale, 1000, 2), "jobs/s"));
    }
    if (Want("e2e"))
    {
        await Scenarios.EndToEndAsync(node, "noop-exec", 200, 32);
        scenarios.Add((await Scenarios.EndToEndAsync(node, "noop-exec", 5_000 / scale, 32), "jobs/s"));
        await Scenarios.EndToEndAsync(node, "noop-py", 500, 32);
        scenarios.Add((await Scenarios.EndToEndAsync(node, "noop-py", 20_000 / scale, 32), "jobs/s"));
    }
    if (Want("sync"))
    {
        await Scenarios.SyncAsync(node, "noop-py", 2_000 / scale, 8);
        scenarios.Add((await Scenarios.SyncAsync(node, "noop-py", 2_000 / scale, 1), "req/s"));
        scenarios.Add((await Scenarios.SyncAsync(node, "noop-py", 5_000 / scale, 8), "req/s"));
    }
    if (Want("paced"))
    {
        var (accept, dispatch) = await Scenarios.PacedAsync(node, "noop-py", 1_000 / scale, 100);
        scenarios.Add((accept, "req/s"));
        scenarios.Add((dispatch, "jobs/s"));
    }
    var loadRss = node.RssBytes();
    Console.WriteLine($"node RSS: idle {idleRss / 1048576.0:F0} MB, after load {loadRss / 1048576.0:F0} MB");
    scenarios.Add((new LoadResult("rss idle MB", (int)(idleRss / 1048576), TimeSpan.FromSeconds(1), [], 0), "MB"));
    scenarios.Add((new LoadResult("rss after load MB", (int)(loadRss / 1048576), TimeSpan.FromSeconds(1), [], 0), "MB"));
    return scenarios;
}

static IEnumerable<(LoadResult Result, string Unit)> WithUnit(string unit, IEnumerable<LoadResult> results) => results.Select(r => (r, unit));

static string FindRoot()
{
    var dir = new DirectoryInfo(AppContext.BaseDirectory);
    while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Fjord.sln")))
        dir = dir.Parent;
    return dir?.FullName ?? throw new InvalidOperationException("run from inside the repository");
}
