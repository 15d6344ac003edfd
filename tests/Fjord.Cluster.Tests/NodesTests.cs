using System.Text.Json;
using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>Issue 11 across processes: every node's heartbeat in PostgreSQL, a SIGKILLed worker shown dead, a worker's own metrics port.</summary>
public sealed class NodesTests
{
    [Fact]
    public async Task TwoWorkersListed_OneSigkilled_IsShownDead_AndWorkersCountFollowsTheHeartbeats()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        await cluster.DeployAsync("listed", "cat", concurrency: 2);
        var metricsPort = Cluster.FreePort();
        var doomed = await cluster.StartWorkerAsync("worker-a", Services.BrokerUri, null, "--metrics-port", metricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await cluster.StartWorkerAsync("worker-b", Services.BrokerUri);

        // Both workers and the gateway report themselves, with their pools.
        var nodes = await WaitForAsync(cluster, n =>
            Alive(n, "worker-a") && Alive(n, "worker-b") && SlotsTotal(n, "worker-a") == 2 && SlotsTotal(n, "worker-b") == 2, TimeSpan.FromSeconds(60));
        Assert.Contains(nodes, n => n.GetProperty("role").GetString() == "gateway" && n.GetProperty("alive").GetBoolean());
        var a = nodes.Single(n => n.GetProperty("id").GetString() == "worker-a");
        Assert.Equal("worker", a.GetProperty("role").GetString());
        Assert.True(a.GetProperty("host").GetProperty("memTotalBytes").GetInt64() > 0);
        Assert.True(a.GetProperty("process").GetProperty("rssBytes").GetInt64() > 0);

        // A stand-alone gateway counts the workers from the heartbeats (issue 15 item 3).
        Assert.Equal(4, await WorkersAsync(cluster, "listed"));

        // The worker's own port: /healthz and /metrics with its host figures.
        using (var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{metricsPort}"), Timeout = TimeSpan.FromSeconds(10) })
        {
            Assert.Equal("ok", await http.GetStringAsync(new Uri("/healthz", UriKind.Relative)));
            var text = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
            Assert.Contains("fjord_node_cpu_steal_ratio{node=\"worker-a\"}", text, StringComparison.Ordinal);
            Assert.Contains("fjord_node_disk_free_bytes{node=\"worker-a\"}", text, StringComparison.Ordinal);
        }

        Assert.Equal(0, Posix.Kill(doomed.Pid, Posix.SigKill));
        await doomed.WaitForExitAsync();
        nodes = await WaitForAsync(cluster, n => !Alive(n, "worker-a") && Alive(n, "worker-b"), TimeSpan.FromSeconds(60));
        Assert.Contains(nodes, n => n.GetProperty("id").GetString() == "worker-a");
        Assert.Equal(2, await WorkersAsync(cluster, "listed"));
    }

    private static bool Alive(IReadOnlyList<JsonElement> nodes, string id) =>
        nodes.Any(n => n.GetProperty("id").GetString() == id && n.GetProperty("alive").GetBoolean());

    private static int SlotsTotal(IReadOnlyList<JsonElement> nodes, string id) =>
        nodes.Where(n => n.GetProperty("id").GetString() == id).SelectMany(n => n.GetProperty("slots").EnumerateArray()).Sum(s => s.GetProperty("total").GetInt32());

    private static async Task<int> WorkersAsync(Cluster cluster, string function)
    {
        using var doc = JsonDocument.Parse(await cluster.Http.GetStringAsync(new Uri("/v1/queues", UriKind.Relative)));
        return doc.RootElement.GetProperty("functions").EnumerateArray().Single(f => f.GetProperty("name").GetString() == function).GetProperty("workers").GetInt32();
    }

    private static async Task<IReadOnlyList<JsonElement>> WaitForAsync(Cluster cluster, Func<IReadOnlyList<JsonElement>, bool> condition, TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (true)
        {
            using var doc = JsonDocument.Parse(await cluster.Http.GetStringAsync(new Uri("/v1/nodes", UriKind.Relative)));
            var nodes = doc.RootElement.GetProperty("nodes").EnumerateArray().Select(n => n.Clone()).ToList();
            if (condition(nodes))
                return nodes;
            Assert.True(DateTime.UtcNow < until, $"nodes never reached the expected state: {doc.RootElement.GetRawText()}\n{cluster.Logs}");
            await Task.Delay(250);
        }
    }
}
