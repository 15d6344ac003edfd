using Fjord.Core.Functions;
using Fjord.Core.Jobs;

namespace Fjord.Runtime.Tests;

/// <summary>
/// What the python, node and PHP runner tests share: a runner of one handler file, and the timeout
/// check each runtime must pass. Their handlers answer alike: "echo:" + the payload, "log of " +
/// the payload in the job's log, and a sleep of N seconds on "sleep N".
/// </summary>
internal static class ShimRunners
{
    /// <summary>A runner of <paramref name="source"/>, written to <paramref name="handler"/> in <paramref name="folder"/>; a 30 s timeout unless told.</summary>
    public static IFunctionRunner Create(TempFolder folder, FunctionRuntime runtime, string handler, string source, bool sandbox, RunMode mode, TimeSpan? timeout)
    {
        folder.Write(handler, source);
        var spec = Run.Shim(runtime, mode, handler) with { Timeout = timeout ?? TimeSpan.FromSeconds(30) };
        return RunnerFactory.Create(spec, folder.Path, Run.Options(sandbox));
    }

    /// <summary>
    /// A job past the timeout fails as Timeout with what it logged, the warm process it ran on is
    /// gone, and the next job runs on a fresh one. The runner's timeout must be well under 60 s.
    /// </summary>
    public static async Task AssertTimeoutGivesTheNextJobAFreshProcessAsync(IFunctionRunner runner)
    {
        var warm = await runner.RunAsync(Run.Request("warm up"), CancellationToken.None);

        var timedOut = await runner.RunAsync(Run.Request("sleep 60"), CancellationToken.None);
        var next = await runner.RunAsync(Run.Request("after"), CancellationToken.None);

        Assert.Equal(ErrorKind.Timeout, timedOut.Error?.Kind);
        Assert.Contains("log of sleep 60", timedOut.Log, StringComparison.Ordinal);
        Assert.False(Run.IsAlive(warm.Pid));
        Assert.Equal("echo:after", next.Text());
        Assert.NotEqual(warm.Pid, next.Pid);
    }
}
