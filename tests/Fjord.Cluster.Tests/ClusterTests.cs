using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>
/// A gateway and two workers as separate processes over one RabbitMQ and one PostgreSQL. Every
/// job is counted from the database. One class: these tests run one after another (they load
/// the machine, and one of them kills the broker).
/// </summary>
public sealed partial class ClusterTests
{
    private const short Succeeded = 3;

    [Fact]
    public async Task GatewayAndTwoWorkers_JobsRunOnBothNodes()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("echo", "sleep 0.1; cat", concurrency: 2);
        await cluster.StartWorkerAsync("worker-a", Services.BrokerUri);
        await cluster.StartWorkerAsync("worker-b", Services.BrokerUri);

        var ids = await cluster.SubmitEachAsync("echo", Enumerable.Range(0, 40).Select(i => $"job {i}"));

        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(90));
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        Assert.Equal(["worker-a", "worker-b"], jobs.Values.Select(j => j.Node).Distinct().Order());
        Assert.Equal(0, await cluster.CountAsync("SELECT count(*) FROM outbox"));
    }

    [Fact]
    public async Task CancelOfARunningJob_ReachesTheWorkerProcess_AndTheGatewaySendsTheCallback()
    {
        await using var receiver = new CallbackReceiver();
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("sleepy", "sleep 600", concurrency: 1);
        // A minute's lease renews every 20 s: the worker can only learn of the cancel in time
        // through the notice, never through a refused renewal.
        var worker = await cluster.StartWorkerAsync("worker-a", Services.BrokerUri, new Dictionary<string, string> { ["FJORD_LEASE"] = "60s" });
        var id = await cluster.SubmitAsync("sleepy", "x", receiver.Url) ?? throw new InvalidOperationException("503 with the broker up");
        var until = DateTime.UtcNow.AddSeconds(60);
        while (await cluster.CountAsync($"SELECT count(*) FROM jobs WHERE id = '{id}' AND status = 2") == 0 && DateTime.UtcNow < until)
            await Task.Delay(50);

        using (var cancel = await cluster.Http.PostAsync($"/v1/jobs/{id}/cancel", null))
            Assert.True(cancel.IsSuccessStatusCode, $"cancel: {(int)cancel.StatusCode} {await cancel.Content.ReadAsStringAsync()}");

        // The worker killed the process (the line is logged after the runner returned).
        var killed = $"Job {id} attempt 1 was canceled while it ran; its process was stopped";
        until = DateTime.UtcNow.AddSeconds(60);
        while (!worker.Output.Contains(killed, StringComparison.Ordinal) && DateTime.UtcNow < until)
            await Task.Delay(100);
        Assert.Contains(killed, worker.Output, StringComparison.Ordinal);
        Assert.Equal(1, await cluster.CountAsync($"SELECT count(*) FROM jobs WHERE id = '{id}' AND status = 5"));
        Assert.Equal(1, await cluster.CountAsync($"SELECT count(*) FROM attempts WHERE job_id = '{id}' AND outcome = 'canceled'"));
        Assert.Equal(1, await cluster.CountAsync($"SELECT count(*) FROM attempts WHERE job_id = '{id}'"));

        // The gateway role's dispatcher delivered the callback from the PostgreSQL outbox and recorded the try.
        var headers = await receiver.NextAsync(TimeSpan.FromSeconds(60));
        Assert.NotNull(headers);
        Assert.Equal(id, headers["X-Fjord-Job-Id"]);
        Assert.Equal("canceled", headers["X-Fjord-Status"]);
        until = DateTime.UtcNow.AddSeconds(30);
        while (await cluster.CountAsync($"SELECT count(*) FROM callbacks WHERE job_id = '{id}' AND next_at IS NULL") == 0 && DateTime.UtcNow < until)
            await Task.Delay(100);
        Assert.Equal(1, await cluster.CountAsync($"SELECT count(*) FROM callback_tries WHERE job_id = '{id}' AND status_code = 204"));
    }

    [Fact]
    public async Task WorkerSigkilledMidLoad_LosesNothing()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("slow", "sleep 0.4; cat", concurrency: 3);
        var doomed = await cluster.StartWorkerAsync("worker-a", Services.BrokerUri);
        await cluster.StartWorkerAsync("worker-b", Services.BrokerUri);

        // One batch: both workers stay busy for seconds (60 jobs × 0.4 s over 6 slots), so the kill
        // lands while worker-a holds jobs however slowly this test's own thread is scheduled.
        var ids = await cluster.SubmitBatchAsync("slow", Enumerable.Range(0, 60).Select(i => $"job {i}"));

        var held = await cluster.SigKillWhileItRunsAsync(doomed, "slow");

        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(120));
        Assert.Equal(ids.Count, jobs.Count);
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        // Each attempt cut short by the kill was recorded as lost once, and its job ran again.
        Assert.Equal(held, await cluster.CountAsync("SELECT count(*) FROM attempts WHERE outcome = 'lost' AND node = 'worker-a'"));
        Assert.Equal(ids.Count, await cluster.CountAsync("SELECT count(*) FROM attempts WHERE outcome = 'succeeded'"));
    }

    [Fact]
    public async Task BrokerSigkilledAndRestarted_Every202Survives_IntakeAnswers503WhileDown()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("echo", "sleep 0.05; cat", concurrency: 2);
        await cluster.StartWorkerAsync("worker-a", Services.BrokerUri);
        await cluster.StartWorkerAsync("worker-b", Services.BrokerUri);

        var accepted = await cluster.SubmitEachAsync("echo", Enumerable.Range(0, 30).Select(i => $"before {i}"));

        await cluster.KillAndRestartServerAsync("echo", accepted);
        Assert.True(accepted.Count > 50, cluster.Logs);

        var jobs = await cluster.WaitAllEndedAsync(accepted, TimeSpan.FromSeconds(120));
        Assert.Equal(accepted.Count, jobs.Count);
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        // Nothing is left behind: no job waits or runs, and the outbox is empty.
        var settle = DateTime.UtcNow.AddSeconds(30);
        while (await cluster.CountAsync("SELECT count(*) FROM jobs WHERE status < 3") > 0 && DateTime.UtcNow < settle)
            await Task.Delay(250);
        Assert.Equal(0, await cluster.CountAsync("SELECT count(*) FROM jobs WHERE status < 3"));
        Assert.Equal(0, await cluster.CountAsync("SELECT count(*) FROM outbox"));
    }

    [Fact]
    public async Task WorkerPartitionedFromBroker_IsDetected_AndTheOtherWorkerTakesTheRest()
    {
        var brokerPort = new Uri(Services.BrokerUri).Port;
        await using var proxy = new SilentProxy(brokerPort);
        var viaProxy = new UriBuilder(Services.BrokerUri) { Port = proxy.Port }.Uri.ToString();
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("slow", "sleep 0.5; cat", concurrency: 2);
        var partitioned = await cluster.StartWorkerAsync("worker-b", viaProxy);
        await cluster.StartWorkerAsync("worker-a", Services.BrokerUri);

        var ids = await cluster.SubmitEachAsync("slow", Enumerable.Range(0, 40).Select(i => $"job {i}"));
        var until = DateTime.UtcNow.AddSeconds(60);
        while (await cluster.CountAsync("SELECT count(*) FROM jobs WHERE status = 2 AND node = 'worker-b'") == 0 && DateTime.UtcNow < until)
            await Task.Delay(50);

        proxy.GoSilent();
        var silentAt = DateTimeOffset.UtcNow;
        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(120));

        Assert.Equal(ids.Count, jobs.Count);
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        // Each job succeeded exactly once: the redelivered messages of worker-b's running jobs
        // found them leased and were dropped; worker-b still recorded those through PostgreSQL.
        Assert.Equal(ids.Count, await cluster.CountAsync("SELECT count(*) FROM attempts WHERE outcome = 'succeeded'"));
        // The silent link was noticed by heartbeats on worker-b's side.
        Assert.Contains("Broker connection lost", partitioned.Output, StringComparison.Ordinal);
        // After the partition, new work went to worker-a only (a few seconds' grace for detection
        // and for worker-b's attempts already running).
        var late = (long)(silentAt.AddSeconds(10)).ToUnixTimeMilliseconds();
        Assert.Equal(0, await cluster.CountAsync($"SELECT count(*) FROM jobs WHERE node = 'worker-b' AND started_at > {late}"));
        Assert.True(await cluster.CountAsync("SELECT count(*) FROM jobs WHERE node = 'worker-a'") > 0);
    }

    [Fact]
    public async Task AKeyRevokedOnOneGateway_Gets401OnTheOtherWithin5Seconds()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        var second = await cluster.StartAnotherGatewayAsync("gateway-b", Services.BrokerUri);
        using var created = await cluster.Http.PostAsync("/v1/keys", new StringContent(
            """{"name":"web","scopes":["read"]}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.True(created.StatusCode == System.Net.HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        using var key = System.Text.Json.JsonDocument.Parse(await created.Content.ReadAsStringAsync());
        var id = key.RootElement.GetProperty("id").GetString();
        using var web = new HttpClient { BaseAddress = second, Timeout = TimeSpan.FromSeconds(10) };
        web.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key.RootElement.GetProperty("key").GetString());

        // Used on the second gateway, so it holds the key in its cache when the first revokes it.
        for (var i = 0; i < 3; i++)
        {
            using var ok = await web.GetAsync("/v1/functions");
            Assert.Equal(System.Net.HttpStatusCode.OK, ok.StatusCode);
        }
        using var revoked = await cluster.Http.DeleteAsync($"/v1/keys/{id}");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, revoked.StatusCode);
        var revokedAt = System.Diagnostics.Stopwatch.StartNew();
        System.Net.HttpStatusCode status;
        do
        {
            using var response = await web.GetAsync("/v1/functions");
            status = response.StatusCode;
            if (status == System.Net.HttpStatusCode.OK)
                await Task.Delay(100);
        }
        while (status == System.Net.HttpStatusCode.OK && revokedAt.Elapsed < TimeSpan.FromSeconds(10));

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, status);
        Assert.True(revokedAt.Elapsed < TimeSpan.FromSeconds(5), $"the second gateway took {revokedAt.Elapsed.TotalSeconds:0.0} s to refuse the revoked key");
    }
}
