using System.Diagnostics;
using Fjord.Core.Functions;
using Fjord.Runtime;

namespace Fjord.Bench;

/// <summary>What the runner-level groups (runtime, images) share: a spec from a document, and jobs timed one after another on one runner.</summary>
internal static class RunnerJobs
{
    public static FunctionSpec Spec(string name, FunctionDocument doc)
    {
        var errors = new List<string>();
        return FunctionSpec.Parse(name, doc, errors) ?? throw new InvalidOperationException(string.Join("; ", errors));
    }

    /// <summary>Runs <paramref name="count"/> jobs of <paramref name="payload"/> in turn: each one's latency (Stopwatch ticks), the time of them all, and how many failed.</summary>
    public static async Task<(long[] Latencies, TimeSpan Elapsed, int Errors)> TimeAsync(IFunctionRunner runner, string function, byte[] payload, int count)
    {
        var latencies = new long[count];
        var errors = 0;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var result = await runner.RunAsync(new RunRequest($"job{i}", function, 1, payload, null), CancellationToken.None);
            latencies[i] = Stopwatch.GetTimestamp() - start;
            if (!result.Succeeded)
                errors++;
        }
        return (latencies, sw.Elapsed, errors);
    }
}
