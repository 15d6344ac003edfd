using Fjord.Core.Functions;
using Fjord.Runtime;

namespace Fjord.Bench;

/// <summary>
/// Runner-level latency without HTTP or the store: how long one attempt takes from RunAsync to
/// its result. Fork = a cold process per job (exec and python, with and without the sandbox);
/// warm = a job handed to a live python process.
/// </summary>
internal static class ColdStart
{
    public static async Task<List<LoadResult>> RunAsync(string root, int count)
    {
        var noopDir = Path.Combine(root, "bench/functions/noop");
        var results = new List<LoadResult>();
        foreach (var sandbox in new[] { true, false })
        {
            var options = new RuntimeOptions { Sandbox = sandbox, RuntimesDir = Path.Combine(root, "runtimes") };
            var label = sandbox ? "sandboxed" : "bare";
            results.Add(await MeasureAsync($"fork exec cold start ({label})",
                RunnerJobs.Spec("fork-exec", new FunctionDocument { Runtime = "exec", Command = ["true"] }), null, options, count));
            results.Add(await MeasureAsync($"fork python cold start ({label})",
                RunnerJobs.Spec("fork-py", new FunctionDocument { Runtime = "python", Handler = "handler.py", Mode = "fork" }), noopDir, options, count / 2));
            results.Add(await MeasureAsync($"warm python job ({label})",
                RunnerJobs.Spec("warm-py", new FunctionDocument { Runtime = "python", Handler = "handler.py", Mode = "warm" }), noopDir, options, count * 5));
        }
        return results;
    }

    private static async Task<LoadResult> MeasureAsync(string name, FunctionSpec spec, string? dir, RuntimeOptions options, int count)
    {
        await using var runner = RunnerFactory.Create(spec, dir, options);
        var payload = "{}"u8.ToArray();
        for (var i = 0; i < 5; i++) // warm-up: JIT, page cache, the warm process itself
            await runner.RunAsync(new RunRequest($"warmup{i}", spec.Name, 1, payload, null), CancellationToken.None);
        var (latencies, elapsed, errors) = await RunnerJobs.TimeAsync(runner, spec.Name, payload, count);
        return new LoadResult(name, count, elapsed, latencies, errors);
    }
}
