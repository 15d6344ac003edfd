using System.Globalization;

namespace Fjord.Bench;

/// <summary>
/// `--only cpu-up`: CPU per job of `fjord up` alone (node + its python, load generator excluded),
/// builds compared in alternating rounds so that a shared machine's load falls on each alike.
/// FJORD_BUILDS lists them as `label=path/to/fjord.dll[;VAR=value...]`, comma separated (default:
/// this tree's build); FJORD_ROUNDS how many rounds (default 3); FJORD_WARMUP a fixed warm-up in
/// jobs instead of warming up until the JIT is done. Each round prints the node's
/// CPU by thread name, the tree's children (python) apart: where a job's CPU goes.
/// </summary>
internal static class UpCpuGroup
{
    private const string Function = "noop-py";

    public static async Task<List<(LoadResult Result, string Unit)>> RunAsync(string root, string fjordDll, int scale)
    {
        var count = 20_000 / scale;
        var projectFile = Path.Combine(root, "bench/fjord.bench.yml");
        var builds = (Environment.GetEnvironmentVariable("FJORD_BUILDS") ?? $"this={fjordDll}")
            .Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(Build.Parse).ToList();
        var rounds = int.Parse(Environment.GetEnvironmentVariable("FJORD_ROUNDS") ?? "3", CultureInfo.InvariantCulture);
        var results = new List<(LoadResult, string)>();
        var totals = builds.ToDictionary(b => b.Label, _ => new List<(double Ms, double Rate)>());
        for (var round = 0; round < rounds; round++)
        {
            foreach (var build in builds)
            {
                await using var node = await Node.StartAsync(build.Dll, projectFile, 18083, build.Env);
                if (Environment.GetEnvironmentVariable("FJORD_WARMUP") is { } warmup)
                    await Scenarios.EndToEndAsync(node, Function, int.Parse(warmup, CultureInfo.InvariantCulture), 32, 200);
                else
                    await Scenarios.WarmUpAsync(node, Function, node.Pids.Values);
                var pid = node.Pids["node"];
                var before = ProcCpu.Snapshot(node.Pids)["node"];
                var threadsBefore = ProcCpu.ThreadSeconds(pid);
                var ownBefore = ProcCpu.OwnSeconds(pid);
                var load = File.ReadAllText("/proc/loadavg").Split(' ')[0];
                var result = await Scenarios.EndToEndAsync(node, Function, count, 32, 200);
                var after = ProcCpu.Snapshot(node.Pids)["node"];
                var threadsAfter = ProcCpu.ThreadSeconds(pid);
                var own = ProcCpu.OwnSeconds(pid) - ownBefore;
                var ms = (after - before) * 1000 / count;
                var byName = threadsAfter.Select(t => (t.Key, Ms: (t.Value - threadsBefore.GetValueOrDefault(t.Key)) * 1000 / count))
                    .Where(t => t.Ms >= 0.005).OrderByDescending(t => t.Ms)
                    .Select(t => string.Create(CultureInfo.InvariantCulture, $"{t.Key} {t.Ms:F3}"));
                totals[build.Label].Add((ms, result.PerSecond));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  round {round} {build.Label,-12} {ms:F3} ms/job  {result.PerSecond:F0} jobs/s  load {load}  children {ms - own * 1000 / count:F3}; {string.Join(", ", byName)}"));
                results.Add((new LoadResult($"cpu-up {build.Label}", count, result.Elapsed, [], result.Errors), "jobs/s"));
            }
        }
        foreach (var (label, runs) in totals)
        {
            var sorted = runs.Select(r => r.Ms).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{label,-12} ms/job median {sorted[sorted.Count / 2]:F3} (min {sorted[0]:F3}, max {sorted[^1]:F3}); jobs/s median {runs.Select(r => r.Rate).Order().ElementAt(runs.Count / 2):F0}"));
        }
        return results;
    }

    private sealed record Build(string Label, string Dll, Dictionary<string, string> Env)
    {
        public static Build Parse(string text)
        {
            var (label, rest) = (text[..text.IndexOf('=')], text[(text.IndexOf('=') + 1)..]);
            var parts = rest.Split(';');
            return new Build(label, parts[0], parts.Skip(1).ToDictionary(p => p[..p.IndexOf('=')], p => p[(p.IndexOf('=') + 1)..]));
        }
    }
}
