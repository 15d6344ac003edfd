using Fjord.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Fjord.Cli.Tests.Client;

/// <summary>How the gateway's answers become exit codes and one line of stderr (CONTRACT §1).</summary>
public sealed class ErrorMappingTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task Run_ExitsUnreachable_WhenNothingListens()
    {
        var env = new Dictionary<string, string> { ["FJORD_URL"] = $"http://127.0.0.1:{TestGateway.FreePort()}", ["FJORD_KEY"] = "k" };

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, env);

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        run.AssertOneErrorLine("cannot reach the gateway");
    }

    [Fact]
    public async Task Run_ExitsUnreachable_On401()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/v1/functions", () => TestGateway.Problem(401, "missing or unknown key")));

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        run.AssertOneErrorLine("not authorised");
        Assert.Contains("$FJORD_KEY", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_ExitsUnreachable_On403_WithTheDetail()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapDelete("/v1/functions/{name}", () => TestGateway.Problem(403, "key lacks the deploy scope")));

        var run = await CliRun.RunAsync(["functions", "rm", "hello"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Unreachable, run.ExitCode);
        run.AssertOneErrorLine("key lacks the deploy scope");
    }

    [Fact]
    public async Task Run_ExitsFailed_On404_WithTheDetail()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapPost("/v1/functions/{name}/pause", () => TestGateway.Problem(404, "no function 'ghost'")));

        var run = await CliRun.RunAsync(["functions", "pause", "ghost"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("no function 'ghost'");
        Assert.Empty(run.OutBytes);
    }

    [Fact]
    public async Task JobsCancel_ExitsFailed_On409_WithTheDetail()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapPost("/v1/jobs/{id}/cancel", () => TestGateway.Problem(409, "job is running; only queued or scheduled jobs can be canceled")));

        var run = await CliRun.RunAsync(["jobs", "cancel", "0198a6b2c3d4e5f60718293a4b5c6d7e"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("only queued or scheduled");
    }

    [Fact]
    public async Task Deploy_ExitsUsage_On400_ListingTheErrors()
    {
        temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n");
        await using var gateway = await TestGateway.StartAsync(app => app.MapPut("/v1/functions/{name}", () =>
            TestGateway.Problem(400, "invalid function spec", new[] { "memory too large for this node", "concurrency above 64" })));

        var run = await CliRun.RunAsync(["deploy"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("invalid function spec: memory too large for this node; concurrency above 64");
    }

    [Fact]
    public async Task Deploy_ReadsValidationErrorsInObjectForm()
    {
        temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n");
        await using var gateway = await TestGateway.StartAsync(app => app.MapPut("/v1/functions/{name}", () =>
            TestGateway.Problem(400, "invalid", new Dictionary<string, string[]> { ["timeout"] = ["too long"] })));

        var run = await CliRun.RunAsync(["deploy"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("timeout: too long");
    }

    [Fact]
    public async Task Run_ExitsFailed_OnAPlainText500()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/v1/queues", () => Results.Text("boom\nmore lines", statusCode: 500)));

        var run = await CliRun.RunAsync(["top", "--once"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("HTTP 500");
        Assert.Contains("boom", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invoke_ExitsFailed_OnA502Problem_AndPrintsNothing()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapPost("/v1/functions/{name}/invoke", () => TestGateway.Problem(502, "the function exited with code 3")));

        var run = await CliRun.RunAsync(["invoke", "hello", "-d", "x"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("the function exited with code 3");
        Assert.Empty(run.OutBytes);
    }

    [Fact]
    public async Task Invoke_PointsAtTheJobsLog_WhenTheProblemNamesTheJob()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapPost("/v1/functions/{name}/invoke", () => Results.Json(
            new { type = "https://fjord.dev/problems/function-failed", title = "function failed", status = 502, detail = "exit code 3", jobId = "0198a6b2c3d4e5f60718293a4b5c6d7e" },
            statusCode: 502,
            contentType: "application/problem+json")));

        var run = await CliRun.RunAsync(["invoke", "hello"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("exit code 3 (job 0198a6b2c3d4e5f60718293a4b5c6d7e; see `fjord logs 0198a6b2c3d4e5f60718293a4b5c6d7e`)");
    }

    [Fact]
    public async Task Invoke_ExitsFailed_OnA504Timeout()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapPost("/v1/functions/{name}/invoke", () => TestGateway.Problem(504, "the function ran past its timeout of 30s")));

        var run = await CliRun.RunAsync(["invoke", "hello"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("timeout");
    }

    [Fact]
    public async Task Invoke_ExitsFailed_On429_WithRetryAfter()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapPost("/v1/functions/{name}/jobs", (HttpContext context) =>
        {
            context.Response.Headers.RetryAfter = "7";
            return TestGateway.Problem(429, "the queue of 'hello' is full");
        }));

        var run = await CliRun.RunAsync(["invoke", "hello", "--async"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("is full (retry after 7 s)");
    }
}
