using System.Globalization;
using Fjord.Core.Functions;
using Fjord.Core.Images;
using Fjord.Runtime;
using Fjord.Tests.Shared;
using static Fjord.Tests.Shared.TestImages;

namespace Fjord.Bench;

/// <summary>
/// Image functions against folder functions, runner only, both sandboxed: the cold start of a fork
/// exec job (host /usr/bin/true in a folder function; busybox's true as /bin/true in an image, its
/// root already unpacked and composed) and a warm python job (the noop handler in a folder on the
/// host's python3; the same handler in an image holding that interpreter). Rounds alternate folder
/// and image so a load change on a shared machine hits both. CPU per job is the bench process's
/// process tree's CPU (itself, bwrap, the function, live or reaped) over the run, divided by the jobs.
/// </summary>
internal static class ImageStart
{
    private const int Rounds = 4;

    public static async Task<List<LoadResult>> RunAsync(string root, int count)
    {
        var options = new RuntimeOptions { Sandbox = true, RuntimesDir = Path.Combine(root, "runtimes") };
        var noop = Path.Combine(root, "bench/functions/noop");
        using var busybox = BuiltImage.Create(new { Cmd = new[] { "/bin/true" } }, Layers.Busybox(Symlink("bin/true", "busybox")));
        using var python = BuiltImage.Create(new { WorkingDir = "/app", Env = new[] { "PATH=/usr/bin" } },
            Layers.HostPython(), Layer(Dir("app"), File("app/handler.py", System.IO.File.ReadAllBytes(Path.Combine(noop, "handler.py")))));

        var exec = RunnerJobs.Spec("bench-exec", new FunctionDocument { Runtime = "exec", Command = ["/usr/bin/true"] });
        var imageExec = exec with { Command = [] };
        var warm = RunnerJobs.Spec("bench-warm", new FunctionDocument { Runtime = "python", Handler = "handler.py", Mode = "warm" });

        var results = new List<LoadResult>();
        results.AddRange(await PairAsync("fork exec cold start, sandboxed", exec, noop, imageExec, busybox.Root, options, count));
        results.AddRange(await PairAsync("warm python job, sandboxed", warm, noop, warm, python.Root, options, count * 5));
        return results;
    }

    private static async Task<LoadResult[]> PairAsync(string name, FunctionSpec folderSpec, string folder, FunctionSpec imageSpec, ImageRoot image, RuntimeOptions options, int count)
    {
        var perRound = count / Rounds;
        var folderRuns = new List<(long[] Latencies, TimeSpan Elapsed, int Errors, double Cpu)>();
        var imageRuns = new List<(long[] Latencies, TimeSpan Elapsed, int Errors, double Cpu)>();
        for (var round = 0; round < Rounds; round++)
        {
            folderRuns.Add(await MeasureAsync(folderSpec, folder, null, options, perRound));
            imageRuns.Add(await MeasureAsync(imageSpec, null, image, options, perRound));
        }
        var folderResult = Combine($"{name}: folder function", folderRuns);
        var imageResult = Combine($"{name}: image function", imageRuns);
        var ratio = imageResult.PercentileMs(50) / folderResult.PercentileMs(50);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: p50 folder {folderResult.PercentileMs(50):F2} ms, image {imageResult.PercentileMs(50):F2} ms (x{ratio:F2}); "
            + $"CPU per job folder {Cpu(folderRuns):F2} ms, image {Cpu(imageRuns):F2} ms"));
        return [folderResult, imageResult];
    }

    private static double Cpu(List<(long[] Latencies, TimeSpan Elapsed, int Errors, double Cpu)> runs) =>
        runs.Sum(r => r.Cpu) * 1000 / runs.Sum(r => r.Latencies.Length);

    private static LoadResult Combine(string name, List<(long[] Latencies, TimeSpan Elapsed, int Errors, double Cpu)> runs) =>
        new(name, runs.Sum(r => r.Latencies.Length), TimeSpan.FromTicks(runs.Sum(r => r.Elapsed.Ticks)), [.. runs.SelectMany(r => r.Latencies)], runs.Sum(r => r.Errors));

    private static async Task<(long[] Latencies, TimeSpan Elapsed, int Errors, double Cpu)> MeasureAsync(FunctionSpec spec, string? dir, ImageRoot? image, RuntimeOptions options, int count)
    {
        var payload = "{}"u8.ToArray();
        await using (var runner = RunnerFactory.Create(spec, dir, options, image))
        {
            for (var i = 0; i < 5; i++) // warm-up: JIT, page cache, the warm process itself
            {
                var warmup = await runner.RunAsync(new RunRequest($"warmup{i}", spec.Name, 1, payload, null), CancellationToken.None);
                if (!warmup.Succeeded)
                    throw new InvalidOperationException($"{spec.Name} fails: {warmup.Error?.Message} {warmup.Log}");
            }
            var cpuBefore = SelfCpuSeconds();
            var (latencies, elapsed, errors) = await RunnerJobs.TimeAsync(runner, spec.Name, payload, count);
            return (latencies, elapsed, errors, SelfCpuSeconds() - cpuBefore);
        }
    }

    /// <summary>This process's CPU with its descendants' (the live warm process, the reaped fork-mode trees).</summary>
    private static double SelfCpuSeconds() =>
        ProcCpu.Snapshot(new Dictionary<string, int> { ["self"] = Environment.ProcessId })["self"];
}
