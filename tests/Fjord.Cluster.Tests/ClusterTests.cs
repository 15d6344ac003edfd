using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>
/// A gateway and two workers as separate processes over one RabbitMQ and one PostgreSQL. Every
/// job is counted from the database. One class: these tests run one after another (they load
/// the machine, and one of them kills the broker).
/// </summary>
public sealed class ClusterTests
{
    private const short Succeeded = 3;

    [Fact]
    public async Task GatewayAndTwoWorkers_JobsRunOnBothNodes()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("echo", "sleep 0.1; cat", concurrency: 2);
        await cluster.StartWorkerAsync("worker-a", Services.BrokerUri);
        await cluster.StartWorkerAsync("worker-b", Services.BrokerUri);

        var ids = new List<string>();
        for (var i = 0; i < 40; i++)
            ids.Add(await cluster.SubmitAsync("echo", $"job {i}") ?? throw new InvalidOperationException("503 with the broker up"));

        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(90));
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        Assert.Equal(["worker-a", "worker-b"], jobs.Values.Select(j => j.Node).Distinct().Order());
        Assert.Equal(0, await cluster.CountAsync("SELECT count(*) FROM outbox"));
    }

    [Fact]
    public async Task WorkerSigkilledMidLoad_LosesNothing()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("slow", "sleep 0.4; cat", concurrency: 3);
        var doomed = await cluster.StartWorkerAsync("worker-a", Services.BrokerUri);
        await cluster.StartWorkerAsync("worker-b", Services.BrokerUri);

        var ids = new List<string>();
        for (var i = 0; i < 60; i++)
            ids.Add(await cluster.SubmitAsync("slow", $"job {i}") ?? throw new InvalidOperationException("503 with the broker up"));

        // Kill worker-a while it runs jobs: they are held under its lease, their messages unacked.
        var until = DateTime.UtcNow.AddSeconds(60);
        while (await cluster.CountAsync("SELECT count(*) FROM jobs WHERE status = 2 AND node = 'worker-a'") == 0 && DateTime.UtcNow < until)
            await Task.Delay(50);
        doomed.SigKill();

        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(120));
        Assert.Equal(ids.Count, jobs.Count);
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        // The attempts cut short by the kill were recorded as lost and run again.
        Assert.True(await cluster.CountAsync("SELECT count(*) FROM attempts WHERE outcome = 'lost' AND node = 'worker-a'") > 0);
        Assert.Equal(ids.Count, await cluster.CountAsync("SELECT count(*) FROM attempts WHERE outcome = 'succeeded'"));
    }
}
