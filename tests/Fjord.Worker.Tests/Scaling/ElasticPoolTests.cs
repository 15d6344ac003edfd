using Fjord.Core.Jobs;

namespace Fjord.Worker.Tests.Scaling;

/// <summary>
/// Elastic pools with real python processes in the real sandbox, on short idleTimeout and
/// targetWait so each test takes seconds.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ElasticPoolTests
{
    private static readonly TimeSpan Within = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task Backlog_GrowsToMaxAndNotBeyond_IdleShrinksToZero_AndTheNextJobStillRuns()
    {
        await using var node = await ElasticNode.StartAsync();
        await node.DeployAsync("burst", min: 0, max: 3);
        await ElasticNode.Until(() => node.Host.Pools.ContainsKey("burst"), Within, "pool not created");
        // Scale to zero: no process before the first job.
        await Task.Delay(300);
        Assert.Equal(0, node.Workers("burst"));
        Assert.Empty(node.Processes("burst"));

        var ids = await node.EnqueueAsync("burst", 24, "0.1");
        var maxWorkers = 0;
        var maxProcesses = 0;
        string? seenOver = null;
        var pids = new HashSet<int>();
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxWorkers = Math.Max(maxWorkers, node.Workers("burst"));
                var live = node.Processes("burst");
                if (live.Count > 3)
                    seenOver ??= ElasticNode.Ps() + $" workers={node.Workers("burst")}";
                maxProcesses = Math.Max(maxProcesses, live.Count);
                pids.UnionWith(live);
                await Task.Delay(10);
            }
        });
        foreach (var id in ids)
            Assert.Equal(JobStatus.Succeeded, (await node.WaitForEndAsync(id)).Status);
        await sampling.CancelAsync();
        await sampler;

        Assert.Equal(3, maxWorkers);
        Assert.True(maxProcesses <= 3, seenOver + "\n" + node.Log);
        Assert.True(maxProcesses >= 2);
        Assert.NotEmpty(pids);

        // idleTimeout 300ms: one process at a time, down to min 0, and every process is gone.
        await ElasticNode.Until(() => node.Workers("burst") == 0 && node.Processes("burst").Count == 0, Within, "the pool did not scale to zero");
        Assert.All(pids, pid => Assert.False(ElasticNode.Alive(pid), $"pid {pid} is still alive"));
        Assert.Contains("shrink to 0", node.Host.Pools["burst"].Reason, StringComparison.Ordinal);

        // The first job on a pool at zero starts a process and runs.
        var again = await node.EnqueueAsync("burst", 1, "0");
        Assert.Equal(JobStatus.Succeeded, (await node.WaitForEndAsync(again[0], Within)).Status);
    }

    /// <summary>
    /// A pool resting at zero (the scaler's loop sleeps between its once-a-second looks; the
    /// worker's reconcile also looks) still starts a process for a job announced at commit, and
    /// for a delayed one, which no commit announces when it comes due, soon after it is due.
    /// </summary>
    [Fact]
    public async Task AtZero_TheRestingScaler_StillStartsAnnouncedAndDelayedJobs()
    {
        await using var node = await ElasticNode.StartAsync();
        await node.DeployAsync("later", min: 0, max: 1, idleTimeout: "100ms");
        await ElasticNode.Until(() => node.Host.Pools.ContainsKey("later"), Within, "pool not created");
        await Task.Delay(1500);

        var now = await node.EnqueueAsync("later", 1, "0");
        var first = await node.WaitForEndAsync(now[0], Within);
        Assert.Equal(JobStatus.Succeeded, first.Status);
        await ElasticNode.Until(() => node.Workers("later") == 0, Within, "the pool did not return to zero");
        await Task.Delay(1500);

        var runAt = DateTimeOffset.UtcNow.AddSeconds(1.5);
        var delayed = await node.EnqueueAsync("later", 1, "0", runAt);
        var job = await node.WaitForEndAsync(delayed[0], Within);
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.True(job.StartedAt >= runAt.AddMilliseconds(-5), $"started at {job.StartedAt:O}, due {runAt:O}");
        // A look a second, and a python process start on a loaded machine.
        Assert.True(job.StartedAt - runAt < TimeSpan.FromSeconds(8), $"started {(job.StartedAt - runAt)?.TotalSeconds:0.0} s after it was due\n{node.Log}");
    }

    [Fact]
    public async Task MinAboveZero_StartsWarmProcessesBeforeAnyJob_AndReplacesOneKilledWhileIdle()
    {
        await using var node = await ElasticNode.StartAsync();
        await node.DeployAsync("warm", min: 2, max: 4, idleTimeout: "5m");

        IReadOnlyList<int> before = [];
        await ElasticNode.Until(() => (before = node.Processes("warm")).Count == 2, Within, "the min processes were not started ahead of the first job");
        // Idle means warm: loaded and waiting for work (a process killed while it still starts is the next test's case).
        await ElasticNode.Until(() => before.All(node.Warm), Within, () => "the min processes did not get warm: " + node.Log);
        var victim = before[0];

        Libc.Kill(victim);
        await ElasticNode.Until(() => !ElasticNode.Alive(victim), TimeSpan.FromSeconds(5), "the killed process did not die");
        // Replaced at once, without any job arriving.
        await ElasticNode.Until(() => node.Processes("warm") is { Count: 2 } now && !now.Contains(victim), TimeSpan.FromSeconds(10), () => "the killed idle process was not replaced: " + node.Log);
        Assert.Contains(before[1], node.Processes("warm"));

        var id = await node.EnqueueAsync("warm", 1, "0");
        Assert.Equal(JobStatus.Succeeded, (await node.WaitForEndAsync(id[0])).Status);
    }

    /// <summary>
    /// A process killed the moment it appears, still starting (under load, in bubblewrap's own
    /// setup, whose half-made sandbox then holds the process's pipe open), is replaced at once
    /// too, not after the start timeout (30 s).
    /// </summary>
    [Fact]
    public async Task MinAboveZero_AProcessKilledWhileItStarts_IsReplacedAtOnce()
    {
        await using var node = await ElasticNode.StartAsync();
        await node.DeployAsync("starting", min: 1, max: 1, idleTimeout: "5m", loadSeconds: 1);

        IReadOnlyList<int> first = [];
        await ElasticNode.Until(() => (first = node.Processes("starting")).Count == 1, Within, "the min process was not started ahead of the first job");
        var victim = first[0];
        Libc.Kill(victim);
        Assert.False(node.Warm(victim), "the process was warm before it was killed: " + node.Log);

        await ElasticNode.Until(() => !ElasticNode.Alive(victim), TimeSpan.FromSeconds(5), "the killed process did not die");
        await ElasticNode.Until(() => node.Processes("starting") is [var next] && next != victim && node.Warm(next), TimeSpan.FromSeconds(10), () => "the process killed while starting was not replaced: " + node.Log);
        var id = await node.EnqueueAsync("starting", 1, "0");
        Assert.Equal(JobStatus.Succeeded, (await node.WaitForEndAsync(id[0])).Status);
    }

    [Fact]
    public async Task TwoFunctionsCompetingUnderMaxProcesses_EachKeepsItsMin_AndTheNodeNeverExceedsTheLimit()
    {
        await using var node = await ElasticNode.StartAsync(maxProcesses: 3);
        await node.DeployAsync("first", min: 1, max: 3, idleTimeout: "5m");
        await node.DeployAsync("second", min: 1, max: 3, idleTimeout: "5m");
        await ElasticNode.Until(() => node.Processes("first").Count == 1 && node.Processes("second").Count == 1, Within, "mins not started");

        var ids = (await node.EnqueueAsync("first", 12, "0.15")).Concat(await node.EnqueueAsync("second", 12, "0.15")).ToList();
        var overLimit = 0;
        var belowMin = 0;
        var firstMax = 0;
        var secondMax = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                if (node.Processes("first", "second").Count > 3)
                    overLimit++;
                if (node.Workers("first") < 1 || node.Workers("second") < 1)
                    belowMin++;
                firstMax = Math.Max(firstMax, node.Workers("first"));
                secondMax = Math.Max(secondMax, node.Workers("second"));
                await Task.Delay(10);
            }
        });
        foreach (var id in ids)
            Assert.Equal(JobStatus.Succeeded, (await node.WaitForEndAsync(id)).Status);
        await sampling.CancelAsync();
        await sampler;

        Assert.True(overLimit == 0, node.Log.ToString());
        Assert.Equal(0, belowMin);
        // The one process above the mins went to one of them (by queue age), never a fourth.
        Assert.Equal(2, Math.Max(firstMax, secondMax));
    }
}

internal static class Libc
{
    public static void Kill(int pid)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-9", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }
}
