using System.Net;
using System.Text.Json;
using Fjord.Core.Jobs;
using Fjord.Core.Nodes;
using Fjord.Worker.Metrics;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Tests;

/// <summary>Issue 11 through the API: /v1/nodes, the queue figures beside it, node gauges and latency histograms.</summary>
public sealed class ObservabilityTests
{
    internal static NodeReport Report(string id, params SlotFigures[] slots) => new()
    {
        Id = id,
        Role = "worker",
        Version = "9.9.9",
        StartedAt = DateTimeOffset.UtcNow.AddMinutes(-3),
        LastSeenAt = DateTimeOffset.UtcNow,
        Host = new HostFigures(4, 0.25, 0.125, 1.5, 8L << 30, 6L << 30, 50L << 30),
        Process = new ProcessFigures(80L << 20),
        Slots = slots,
        Warnings = ["cpu steal 12% over the last minute"],
    };

    private static async Task SilenceAsync(TestGateway gw, string node, TimeSpan by)
    {
        await using var connection = new SqliteConnection($"Data Source={gw.DbPath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 5000; UPDATE nodes SET last_seen = last_seen - $ms WHERE id = $id";
        command.Parameters.AddWithValue("$ms", (long)by.TotalMilliseconds);
        command.Parameters.AddWithValue("$id", node);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    [Fact]
    public async Task Nodes_ListEveryHeartbeat_InTheContractShape()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.Store.BeatAsync(Report("w1", new SlotFigures("team-a-resize", 1, 4), new SlotFigures("other", 0, 2)), default);
        await gw.Store.BeatAsync(Report("w2"), default);
        await SilenceAsync(gw, "w2", TimeSpan.FromSeconds(20));

        using var response = await gw.Client.GetAsync(new Uri("/v1/nodes", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var nodes = (await TestGateway.JsonAsync(response)).GetProperty("nodes").EnumerateArray().ToList();
        Assert.Equal(["w1", "w2"], nodes.Select(n => n.GetProperty("id").GetString()));
        var w1 = nodes[0];
        Assert.Equal(
            ["id", "role", "version", "startedAt", "lastSeenAt", "alive", "warnings", "host", "process", "slots"],
            w1.EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            ["cpus", "cpuBusy", "cpuSteal", "load1", "memTotalBytes", "memAvailableBytes", "diskFreeBytes"],
            w1.GetProperty("host").EnumerateObject().Select(p => p.Name));
        Assert.True(w1.GetProperty("alive").GetBoolean());
        Assert.Equal(0.125, w1.GetProperty("host").GetProperty("cpuSteal").GetDouble());
        Assert.Equal(80L << 20, w1.GetProperty("process").GetProperty("rssBytes").GetInt64());
        Assert.Equal("cpu steal 12% over the last minute", w1.GetProperty("warnings")[0].GetString());
        var slot = w1.GetProperty("slots")[0];
        Assert.Equal(["function", "busy", "total"], slot.EnumerateObject().Select(p => p.Name));
        Assert.False(nodes[1].GetProperty("alive").GetBoolean());

        // A key for one namespace sees the nodes, but only its own functions' slots.
        using var narrow = gw.NewClient(await gw.AddKeyAsync("team-a", "read"));
        using var scoped = await narrow.GetAsync(new Uri("/v1/nodes", UriKind.Relative));
        var w1Scoped = (await TestGateway.JsonAsync(scoped)).GetProperty("nodes")[0];
        Assert.Equal(["team-a-resize"], w1Scoped.GetProperty("slots").EnumerateArray().Select(s => s.GetProperty("function").GetString()));

        using var invokeOnly = gw.NewClient(await gw.AddKeyAsync("*", "invoke"));
        using var denied = await invokeOnly.GetAsync(new Uri("/v1/nodes", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    [Fact]
    public async Task Queues_WorkersComeFromLiveHeartbeats_OnAGatewayWithoutWorkers()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        await gw.Store.BeatAsync(Report("w1", new SlotFigures("fn", 2, 4)), default);
        await gw.Store.BeatAsync(Report("w2", new SlotFigures("fn", 0, 2)), default);
        await gw.Store.BeatAsync(Report("dead", new SlotFigures("fn", 0, 8)), default);
        await SilenceAsync(gw, "dead", TimeSpan.FromSeconds(20));
        using (await gw.PostJobAsync("fn", "1")) { }
        await Task.Delay(300);

        using var response = await gw.Client.GetAsync(new Uri("/v1/queues", UriKind.Relative));
        var fn = (await TestGateway.JsonAsync(response)).GetProperty("functions")[0];
        Assert.Equal(6, fn.GetProperty("workers").GetInt32());
        Assert.InRange(fn.GetProperty("oldestReadyAgeMs").GetInt64(), 250, 60_000);
        Assert.Equal(JsonValueKind.Object, fn.GetProperty("runningByNode").ValueKind);

        using var metrics = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Matches("fjord_queue_oldest_ready_age_seconds\\{function=\"fn\"\\} (0\\.[2-9]|[1-9])", text);
        Assert.Contains("fjord_node_cpu_steal_ratio{node=\"w1\"} 0.125", text, StringComparison.Ordinal);
        Assert.Contains("fjord_node_cpu_busy_ratio{node=\"w2\"} 0.25", text, StringComparison.Ordinal);
        Assert.Contains("fjord_node_memory_available_bytes{node=\"w1\"} " + (6L << 30), text, StringComparison.Ordinal);
        Assert.Contains("fjord_node_disk_free_bytes{node=\"w1\"} " + (50L << 30), text, StringComparison.Ordinal);
        // A dead node's figures are not exported as if they were current.
        Assert.DoesNotContain("node=\"dead\"", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Histograms_HaveObservationsAfterJobsRan_AndJobsShowTheirQueueWait()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        await using var gw = await TestGateway.StartAsync(services: s => s.AddSingleton(registry));
        await gw.CreateFunctionAsync("fn", "\"maxAttempts\": 1");
        await using var worker = await TestWorker.StartAsync(gw, (r, _) => Task.FromResult(
            r.Payload.Span.SequenceEqual("bad"u8) ? TestWorker.Fail(ErrorKind.Exit, "no") : TestWorker.Ok("fine")), metrics: new JobMetrics(registry));

        string ok, bad;
        using (var a = await gw.PostJobAsync("fn", "good"))
            ok = (await TestGateway.JsonAsync(a)).GetProperty("id").GetString()!;
        using (var b = await gw.PostJobAsync("fn", "bad"))
            bad = (await TestGateway.JsonAsync(b)).GetProperty("id").GetString()!;
        var job = await WaitEndedAsync(gw, ok);
        await WaitEndedAsync(gw, bad);
        Assert.Equal(JsonValueKind.Number, job.GetProperty("queueWaitMs").ValueKind);
        Assert.InRange(job.GetProperty("queueWaitMs").GetInt64(), 0, 30_000);

        var text = await MetricsTextAsync(gw);
        Assert.Contains("fjord_job_queue_wait_seconds_count{function=\"fn\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("fjord_job_run_seconds_count{function=\"fn\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("fjord_job_end_to_end_seconds_count{function=\"fn\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("fjord_job_run_seconds_bucket{function=\"fn\",le=\"600\"} 2", text, StringComparison.Ordinal);
        Assert.Contains("fjord_jobs_ended_total{function=\"fn\",status=\"succeeded\",kind=\"none\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fjord_jobs_ended_total{function=\"fn\",status=\"failed\",kind=\"exit\"} 1", text, StringComparison.Ordinal);

        // Labels only for functions that exist: a removed function's series go once its pool is gone.
        using (await gw.Client.DeleteAsync(new Uri("/v1/functions/fn", UriKind.Relative))) { }
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline && (await MetricsTextAsync(gw)).Contains("fjord_job_run_seconds_count{function=\"fn\"}", StringComparison.Ordinal))
            await Task.Delay(100);
        var after = await MetricsTextAsync(gw);
        Assert.DoesNotContain("fjord_job_run_seconds_count{function=\"fn\"}", after, StringComparison.Ordinal);
        Assert.DoesNotContain("fjord_jobs_ended_total{function=\"fn\"", after, StringComparison.Ordinal);
    }

    private static async Task<string> MetricsTextAsync(TestGateway gw)
    {
        using var response = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        return await response.Content.ReadAsStringAsync();
    }

    private static async Task<JsonElement> WaitEndedAsync(TestGateway gw, string id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var response = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
            var job = await TestGateway.JsonAsync(response);
            var status = job.GetProperty("status").GetString();
            if (status is "succeeded" or "failed")
                return job;
            Assert.True(DateTime.UtcNow < deadline, $"job {id} still {status}");
            await Task.Delay(50);
        }
    }
}
