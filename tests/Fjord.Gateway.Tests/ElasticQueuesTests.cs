using Fjord.Core.Nodes;
using Fjord.Worker.Metrics;

namespace Fjord.Gateway.Tests;

/// <summary>Elastic pools as the API and Prometheus show them: workers, desiredWorkers and the last scaling reason.</summary>
public sealed class ElasticQueuesTests
{
    [Fact]
    public async Task Queues_ShowWorkersDesiredWorkersAndTheScalingReason_FromTheNodesHeartbeats()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        await gw.Store.BeatAsync(ObservabilityTests.Report("w1", new SlotFigures("fn", 2, 2) { Desired = 5, Reason = "grow to 5: oldest ready waited 1500ms > targetWait 1000ms" }), default);
        await gw.Store.BeatAsync(ObservabilityTests.Report("w2", new SlotFigures("fn", 0, 1) { Desired = 1 }), default);

        using var response = await gw.Client.GetAsync(new Uri("/v1/queues", UriKind.Relative));
        var fn = (await TestGateway.JsonAsync(response)).GetProperty("functions")[0];
        Assert.Equal(3, fn.GetProperty("workers").GetInt32());
        Assert.Equal(6, fn.GetProperty("desiredWorkers").GetInt32());
        Assert.Equal("grow to 5: oldest ready waited 1500ms > targetWait 1000ms", fn.GetProperty("scalingReason").GetString());
    }

    [Fact]
    public async Task Metrics_ShowEachPoolsWorkersDesiredWorkersAndResizes()
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var metrics = new JobMetrics(registry);
        metrics.Pool("fn", 2, 5, resizedBy: 2);
        metrics.Pool("fn", 1, 1, resizedBy: -1);
        using var text = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(text);
        var body = System.Text.Encoding.UTF8.GetString(text.ToArray());
        Assert.Contains("fjord_pool_workers{function=\"fn\"} 1", body, StringComparison.Ordinal);
        Assert.Contains("fjord_pool_desired_workers{function=\"fn\"} 1", body, StringComparison.Ordinal);
        Assert.Contains("fjord_pool_scale_events_total{function=\"fn\",direction=\"up\"} 1", body, StringComparison.Ordinal);
        Assert.Contains("fjord_pool_scale_events_total{function=\"fn\",direction=\"down\"} 1", body, StringComparison.Ordinal);

        metrics.Forget("fn");
        using var after = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(after);
        Assert.DoesNotContain("fjord_pool_workers{function=\"fn\"}", System.Text.Encoding.UTF8.GetString(after.ToArray()), StringComparison.Ordinal);
    }
}
