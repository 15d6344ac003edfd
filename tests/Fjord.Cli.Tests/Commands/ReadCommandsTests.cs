using System.Text.Json;
using Fjord.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Fjord.Cli.Tests.Commands;

/// <summary>functions ls, jobs ls/get/retry, logs and top --once against a stand-in gateway.</summary>
public sealed class ReadCommandsTests : IDisposable
{
    private const string JobId = "0198a6b2c3d4e5f60718293a4b5c6d7e";

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task FunctionsLs_ShowsOneRowPerFunction()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/v1/functions", () => Results.Json(new
        {
            items = new object[]
            {
                new { name = "hello", spec = new { runtime = "python", mode = "warm", concurrency = 4 }, paused = false, workers = 4, busy = 1, healthy = true },
                new { name = "resize", spec = new { runtime = "exec", mode = "fork", concurrency = 2 }, paused = true, workers = 0, busy = 0, healthy = false, problem = "crash loop" },
            },
        })));

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var lines = run.Out.Split('\n');
        Assert.Contains(lines, l => l.Contains("hello", StringComparison.Ordinal) && l.Contains("python", StringComparison.Ordinal) && l.Contains("warm", StringComparison.Ordinal) && l.Contains("4 (1 busy)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("resize", StringComparison.Ordinal) && l.Contains("yes", StringComparison.Ordinal) && l.Contains("no: crash loop", StringComparison.Ordinal));
    }

    [Fact]
    public async Task JobsLs_PassesTheFilters_AndShowsTheRows()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/v1/jobs", () => Results.Json(new
        {
            items = new object[]
            {
                new { id = JobId, function = "hello", status = "failed", attempt = 5, maxAttempts = 5, createdAt = "2025-01-02T03:04:05Z", durationMs = 12, error = new { kind = "exit", message = "exit code 3", exitCode = 3 } },
            },
            next = "cursor-2",
        })));

        var run = await CliRun.RunAsync(["jobs", "ls", "--function", "hello", "--status", "FAILED", "--limit", "10"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("/v1/jobs?function=hello&status=failed&limit=10", Assert.Single(gateway.Requests).PathAndQuery);
        Assert.Contains(run.Out.Split('\n'), l => l.Contains(JobId, StringComparison.Ordinal) && l.Contains("5/5", StringComparison.Ordinal) && l.Contains("exit: exit code 3", StringComparison.Ordinal));
        Assert.Contains("--cursor cursor-2", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsGet_PrintsTheRecordAsIndentedJson_WithEveryField()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/v1/jobs/{id}", (string id) =>
            Results.Json(new { id, function = "hello", status = "succeeded", createdAt = "2025-01-02T03:04:05+00:00", somethingNew = new[] { 1, 2 } })));

        var run = await CliRun.RunAsync(["jobs", "get", JobId], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        using var doc = JsonDocument.Parse(run.Out);
        Assert.Equal(JobId, doc.RootElement.GetProperty("id").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("somethingNew").GetArrayLength());
        Assert.Contains("\n  \"function\": \"hello\"", run.Out, StringComparison.Ordinal);
        Assert.Contains("\"2025-01-02T03:04:05+00:00\"", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsRetry_PostsRetry()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapPost("/v1/jobs/{id}/retry", (string id) => Results.Json(new { id, status = "queued" }, statusCode: 202)));

        var run = await CliRun.RunAsync(["jobs", "retry", JobId], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal($"/v1/jobs/{JobId}/retry", Assert.Single(gateway.Requests).PathAndQuery);
    }

    [Fact]
    public async Task Logs_PrintsTheLogText()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/v1/jobs/{id}/logs", () => Results.Text("line one\nline two", "text/plain")));

        var run = await CliRun.RunAsync(["logs", JobId], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("line one\nline two\n", run.Out);
    }

    [Fact]
    public async Task TopOnce_PrintsOneRowPerFunction()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/v1/queues", () => Results.Json(new
        {
            functions = new object[]
            {
                new { name = "hello", ready = 12, scheduled = 3, running = 4, succeeded = 1000, failed = 7, workers = 4, paused = false },
                new { name = "resize", ready = 0, scheduled = 0, running = 0, succeeded = 0, failed = 0, workers = 1, paused = true },
            },
        })));

        var run = await CliRun.RunAsync(["top", "--once"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        // One poll: the queues, then the nodes pane (this gateway has none: the queues alone are shown).
        Assert.Equal(["/v1/queues", "/v1/nodes"], gateway.Requests.Select(r => r.PathAndQuery));
        var hello = Assert.Single(run.Out.Split('\n'), l => l.Contains("hello", StringComparison.Ordinal));
        Assert.Equal(["hello", "12", "3", "4", "-", "1000", "7", "4", "no"], hello.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(run.Out.Split('\n'), l => l.Contains("resize", StringComparison.Ordinal) && l.TrimEnd().EndsWith("yes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NodesLs_AndTheNodesPaneOfTop_ShowStealPerNode()
    {
        await using var gateway = await TestGateway.StartAsync(app =>
        {
            app.MapGet("/v1/queues", () => Results.Json(new { functions = Array.Empty<object>() }));
            app.MapGet("/v1/nodes", () => Results.Json(new
            {
                nodes = new object[]
                {
                    new
                    {
                        id = "worker-a", role = "worker", version = "1.0.0", alive = true, warnings = new[] { "cpu steal 12% over the last minute" },
                        host = new { cpus = 4, cpuBusy = 0.5, cpuSteal = 0.125, load1 = 2.5, memTotalBytes = 8L << 30, memAvailableBytes = 6L << 30, diskFreeBytes = 50L << 30 },
                        process = new { rssBytes = 80L << 20 },
                        slots = new[] { new { function = "hello", busy = 1, total = 4 } },
                    },
                    new
                    {
                        id = "worker-b", role = "worker", version = "1.0.0", alive = false, warnings = Array.Empty<string>(),
                        host = new { cpus = 4, cpuBusy = 0.0, cpuSteal = 0.0, load1 = 0.0, memTotalBytes = 8L << 30, memAvailableBytes = 6L << 30, diskFreeBytes = 50L << 30 },
                        process = new { rssBytes = 80L << 20 },
                        slots = Array.Empty<object>(),
                    },
                },
            }));
        });

        foreach (var args in new[] { new[] { "nodes", "ls" }, ["top", "--once"] })
        {
            var run = await CliRun.RunAsync(args, temp.Path, gateway.Env());
            Assert.Equal(ExitCodes.Success, run.ExitCode);
            var a = Assert.Single(run.Out.Split('\n'), l => l.Contains("worker-a", StringComparison.Ordinal));
            Assert.Contains("12.5%", a, StringComparison.Ordinal);
            Assert.Contains("1/4", a, StringComparison.Ordinal);
            Assert.Contains("cpu steal 12% over the last minute", a, StringComparison.Ordinal);
            Assert.Contains("no (silent)", Assert.Single(run.Out.Split('\n'), l => l.Contains("worker-b", StringComparison.Ordinal)), StringComparison.Ordinal);
        }
    }
}
