using System.Diagnostics;
using System.Globalization;
using Fjord.Core.Functions;

namespace Fjord.Runtime.Tests;

public sealed class WarmStartTests
{
    /// <summary>
    /// A warm process killed while it starts fails its start at once, even when something it left
    /// behind still holds its stdout open, and what it left is killed. In the sandbox that happens
    /// when bubblewrap is killed mid-setup: its child is blocked for good and keeps the pipe.
    /// Unsandboxed, a child the handler starts at load, given the pipe, does the same here, every time.
    /// </summary>
    [Fact]
    public async Task WarmUp_FailsAtOnce_WhenItsProcessDiesWhileStarting_ThoughALeftoverHoldsItsPipe()
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", """
            import os, subprocess, time

            # Every descriptor, the shim's protocol pipe too (which it keeps from children).
            fds = [int(fd) for fd in os.listdir("/proc/self/fd") if int(fd) > 2]
            child = subprocess.Popen(["sleep", "120"], pass_fds=fds)
            with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "leftover"), "w") as f:
                f.write(str(child.pid))
            time.sleep(120)

            def handle(payload, context):
                return b"never"
            """);
        var spec = Run.Shim(FunctionRuntime.Python, RunMode.Warm, "handler.py");
        var options = Run.Options(sandbox: false) with { StartTimeout = TimeSpan.FromSeconds(60) };
        await using var runner = RunnerFactory.Create(spec, folder.Path, options);

        var warming = runner.WarmUpAsync(CancellationToken.None);
        var leftoverFile = Path.Combine(folder.Path, "leftover");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!File.Exists(leftoverFile) || new FileInfo(leftoverFile).Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "the handler did not start loading");
            await Task.Delay(20);
        }
        var leftover = int.Parse(await File.ReadAllTextAsync(leftoverFile), CultureInfo.InvariantCulture);
        var started = ProcScan.Processes(cmdline => cmdline.Contains(folder.Path, StringComparison.Ordinal)).Single(p => p.Parent == Environment.ProcessId).Pid;

        Kill(started);
        var clock = Stopwatch.StartNew();
        Assert.False(await warming.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the start failed only after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Contains("died while starting", ((ISupervisedRunner)runner).Health.LastProblem, StringComparison.Ordinal);
        deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (Run.IsAlive(leftover))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the leftover {leftover} of the dead start is still alive");
            await Task.Delay(20);
        }
    }

    private static void Kill(int pid)
    {
        using var kill = Process.Start("kill", ["-9", pid.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
