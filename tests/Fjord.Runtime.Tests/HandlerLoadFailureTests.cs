using System.Collections.Concurrent;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;

namespace Fjord.Runtime.Tests;

/// <summary>
/// A warm handler that does not load is the function's exception, however the machine is loaded:
/// the shim writes its fatal frame and exits at once, and the exit is often seen before the frame
/// is read. Starts side by side (as a pool's, or other test classes', on two cores) make that
/// order common; it was taken for a crash in about one start in five.
/// </summary>
public sealed class HandlerLoadFailureTests
{
    [Fact]
    public async Task HandlerWithASyntaxError_StartedManyAtOnce_IsAnExceptionEveryTime_NeverACrash()
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", "def handle(payload, context)\n    return 1\n");
        var spec = Run.Shim(FunctionRuntime.Python, RunMode.Warm, "handler.py");
        var errors = new ConcurrentBag<JobError?>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 24), new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (_, _) =>
        {
            await using var runner = RunnerFactory.Create(spec, folder.Path, Run.Options(true));
            errors.Add((await runner.RunAsync(Run.Request(""), CancellationToken.None)).Error);
        });

        var wrong = errors.Where(e => e?.Kind != ErrorKind.Exception).ToList();
        Assert.True(wrong.Count == 0, $"{wrong.Count} of 24 starts: {string.Join("; ", wrong.Take(3).Select(e => $"{e?.Kind}: {e?.Message}"))}");
        Assert.All(errors, e => Assert.Contains("SyntaxError", e!.Message, StringComparison.Ordinal));
    }
}
