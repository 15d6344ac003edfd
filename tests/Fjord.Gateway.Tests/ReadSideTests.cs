using System.Net;
using Fjord.Core.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Tests;

public sealed class ReadSideTests
{
    private sealed class FixedWorkerStatus : IWorkerStatus
    {
        public string Node => "test-node";

        public IReadOnlyDictionary<string, PoolStatus> Pools { get; } = new Dictionary<string, PoolStatus>
        {
            ["fn"] = new PoolStatus(3, 1, Healthy: false, Problem: "crash loop"),
        };
    }

    private sealed class DownSource : IReadinessSource
    {
        public string Name => "broker";

        public Task<Readiness> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(new Readiness(false, "connection refused"));
    }

    [Fact]
    public async Task Queues_ShowDepthsTotalsWorkersAndPaused()
    {
        await using var gw = await TestGateway.StartAsync(services: s => s.AddSingleton<IWorkerStatus, FixedWorkerStatus>());
        await gw.CreateFunctionAsync("fn");
        await gw.CreateFunctionAsync("idle");
        using (await gw.PostJobAsync("fn", "1")) { }
        using (await gw.PostJobAsync("fn", "2", r => r.Headers.Add("X-Delay", "1h"))) { }
        using (await gw.Client.PostAsync(new Uri("/v1/functions/idle/pause", UriKind.Relative), null)) { }

        using var response = await gw.Client.GetAsync(new Uri("/v1/queues", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var functions = (await TestGateway.JsonAsync(response)).GetProperty("functions").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        var fn = functions["fn"];
        Assert.Equal(1, fn.GetProperty("ready").GetInt64());
        Assert.Equal(1, fn.GetProperty("scheduled").GetInt64());
        Assert.Equal(0, fn.GetProperty("running").GetInt64());
        Assert.Equal(0, fn.GetProperty("succeeded").GetInt64());
        Assert.Equal(0, fn.GetProperty("failed").GetInt64());
        Assert.Equal(3, fn.GetProperty("workers").GetInt32());
        Assert.False(fn.GetProperty("paused").GetBoolean());
        Assert.True(functions["idle"].GetProperty("paused").GetBoolean());
    }

    [Fact]
    public async Task Metrics_ExposeQueueGaugesAndIntakeCounters()
    {
        await using var gw = await TestGateway.StartAsync(services: s => s.AddSingleton<IWorkerStatus, FixedWorkerStatus>());
        await gw.CreateFunctionAsync("fn", "\"maxQueueDepth\": 1");
        using (await gw.PostJobAsync("fn", "1")) { }
        using (await gw.PostJobAsync("fn", "2")) { }

        using var response = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("fjord_queue_ready{function=\"fn\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fjord_queue_scheduled{function=\"fn\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("fjord_queue_running{function=\"fn\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("fjord_jobs_succeeded_total{function=\"fn\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("fjord_jobs_failed_total{function=\"fn\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("fjord_workers{function=\"fn\"} 3", text, StringComparison.Ordinal);
        Assert.Contains("fjord_function_healthy{function=\"fn\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("fjord_function_paused{function=\"fn\"} 0", text, StringComparison.Ordinal);
        Assert.Contains("fjord_jobs_accepted_total{function=\"fn\"} 1", text, StringComparison.Ordinal);
        Assert.Contains("fjord_intake_rejected_total{function=\"fn\",reason=\"queue_full\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_AreNotSharedBetweenGateways()
    {
        await using var a = await TestGateway.StartAsync();
        await using var b = await TestGateway.StartAsync();
        await a.CreateFunctionAsync("only-a");
        using (await a.PostJobAsync("only-a", "1")) { }

        using var response = await b.Client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.DoesNotContain("only-a", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readyz_Answers200WithStoreCheck_ToAKeyForEveryNamespace()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.Client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await TestGateway.JsonAsync(response);
        Assert.True(body.GetProperty("ready").GetBoolean());
        var check = Assert.Single(body.GetProperty("checks").EnumerateArray());
        Assert.True(check.GetProperty("ready").GetBoolean());
        Assert.False(string.IsNullOrEmpty(check.GetProperty("name").GetString()));
    }

    [Fact]
    public async Task Readyz_Answers503_WhenAnySourceIsDown()
    {
        await using var gw = await TestGateway.StartAsync(services: s => s.AddSingleton<IReadinessSource, DownSource>());

        using var response = await gw.Client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = await TestGateway.JsonAsync(response);
        Assert.False(body.GetProperty("ready").GetBoolean());
        var broker = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "broker");
        Assert.Equal("connection refused", broker.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Dashboard_AnswersHtml()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.Client.GetAsync(new Uri("/", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }
}
