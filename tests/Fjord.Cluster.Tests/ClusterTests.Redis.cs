namespace Fjord.Cluster.Tests;

/// <summary>
/// The cluster on Redis alone (issue 17): `fjord gateway` and two `fjord worker` processes with
/// $FJORD_BACKEND=redis://…, no broker and no PostgreSQL. Each test takes a logical database of
/// its own on the private redis-server; jobs and attempts are counted straight from Redis.
/// </summary>
public sealed partial class ClusterTests
{
    [Fact]
    public async Task Redis_GatewayAndTwoWorkers_JobsRunOnBothNodes()
    {
        await using var cluster = await Cluster.StartRedisAsync(db: 1);
        await cluster.DeployAsync("echo", "sleep 0.1; cat", concurrency: 2);
        await cluster.StartWorkerAsync("worker-a", "");
        await cluster.StartWorkerAsync("worker-b", "");

        var ids = await cluster.SubmitEachAsync("echo", Enumerable.Range(0, 40).Select(i => $"job {i}"));

        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(90));
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        Assert.Equal(["worker-a", "worker-b"], jobs.Values.Select(j => j.Node).Distinct().Order());
        using var result = await cluster.Http.GetAsync($"/v1/jobs/{ids[7]}/result");
        Assert.Equal("job 7", await result.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Redis_WorkerSigkilledMidLoad_LosesNothing()
    {
        await using var cluster = await Cluster.StartRedisAsync(db: 2);
        await cluster.DeployAsync("slow", "sleep 0.4; cat", concurrency: 3);
        var doomed = await cluster.StartWorkerAsync("worker-a", "");
        await cluster.StartWorkerAsync("worker-b", "");
        var ids = await cluster.SubmitBatchAsync("slow", Enumerable.Range(0, 60).Select(i => $"job {i}"));

        var held = await cluster.SigKillWhileItRunsAsync(doomed, "slow");

        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(120));
        Assert.Equal(ids.Count, jobs.Count);
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        var attempts = await cluster.RedisAttemptsAsync(ids);
        // Each attempt cut short by the kill was recorded as lost once (by a reaper on another node), and its job ran again.
        Assert.Equal(held, attempts.Count(a => a is ("lost", "worker-a")));
        Assert.Equal(ids.Count, attempts.Count(a => a.Outcome == "succeeded"));
    }

    [Fact]
    public async Task Redis_SigkilledAndRestartedFromItsAof_Every202Survives_IntakeAnswers503WhileDown()
    {
        await using var cluster = await Cluster.StartRedisAsync(db: 3);
        await cluster.DeployAsync("echo", "sleep 0.05; cat", concurrency: 2);
        await cluster.StartWorkerAsync("worker-a", "");
        await cluster.StartWorkerAsync("worker-b", "");

        // Accepted while Redis runs, many of them still waiting when it dies.
        var accepted = new List<string>();
        accepted.AddRange(await cluster.SubmitBatchAsync("echo", Enumerable.Range(0, 100).Select(i => $"batch {i}")));
        accepted.AddRange(await cluster.SubmitEachAsync("echo", Enumerable.Range(0, 30).Select(i => $"before {i}")));

        await cluster.KillAndRestartServerAsync("echo", accepted);
        Assert.True(accepted.Count > 150, cluster.Logs);

        // Every 202, counted: each job is in Redis after the restart (replayed from the AOF) and succeeds.
        var jobs = await cluster.WaitAllEndedAsync(accepted, TimeSpan.FromSeconds(120));
        Assert.Equal(accepted.Count, jobs.Count);
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
    }
}
