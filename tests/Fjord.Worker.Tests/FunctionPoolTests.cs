using Fjord.Core.Jobs;

namespace Fjord.Worker.Tests;

public sealed class FunctionPoolTests
{
    [Fact]
    public async Task Pool_NeverHoldsMoreJobsThanSlots()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("fair", concurrency: 3);
        var release = new TaskCompletionSource();
        await f.StartAsync(async (_, _) =>
        {
            await release.Task;
            return ScriptedRunner.Ok("ok");
        });
        var ids = await f.EnqueueAsync("fair", 20);

        // Wait until the slots are full, then look at the store: only 3 jobs may be leased.
        for (var i = 0; i < 200 && f.Gauge.Started < 3; i++)
            await Task.Delay(20);
        await Task.Delay(200);
        var queues = await f.Store.GetQueuesAsync(CancellationToken.None);
        var fair = queues.Single(q => q.Name == "fair");
        Assert.Equal(3, fair.Running);
        Assert.Equal(17, fair.Ready);
        Assert.Equal(3, f.Host.Pools["fair"].Busy);

        release.SetResult();
        foreach (var id in ids)
            Assert.Equal(JobStatus.Succeeded, (await f.WaitForEndAsync(id)).Status);
        Assert.Equal(3, f.Gauge.Max);
        Assert.Equal(20, f.Gauge.Started);
    }

    [Fact]
    public async Task Pool_KeepsCrashing_IsReportedUnhealthy()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("crashy", maxAttempts: 1);
        await f.StartAsync((_, _) => Task.FromResult(ScriptedRunner.Fail(ErrorKind.Crash, "killed by signal 9")));
        var ids = await f.EnqueueAsync("crashy", 3, maxAttempts: 1);
        foreach (var id in ids)
            await f.WaitForEndAsync(id);

        // The slot counts the crash right after the dead letter commits: give it a moment.
        for (var i = 0; i < 100 && f.Host.Pools["crashy"].Healthy; i++)
            await Task.Delay(20);
        var status = f.Host.Pools["crashy"];
        Assert.False(status.Healthy);
        Assert.Contains("crash", status.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_FunctionRemoved_DropsItsPool()
    {
        await using var f = await WorkerFixture.CreateAsync();
        await f.DeployAsync("temp");
        await f.StartAsync((_, _) => Task.FromResult(ScriptedRunner.Ok("ok")));
        Assert.True(f.Host.Pools.ContainsKey("temp"));

        await f.Store.DeleteFunctionAsync("temp", CancellationToken.None);
        f.Host.Nudge();
        for (var i = 0; i < 100 && f.Host.Pools.ContainsKey("temp"); i++)
            await Task.Delay(20);

        Assert.False(f.Host.Pools.ContainsKey("temp"));
    }
}
