using System.Text;
using Fjord.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Fjord.Cli.Tests.Commands;

public sealed class InvokeCommandTests : IDisposable
{
    private static readonly byte[] Binary = [0x00, 0xff, 0x10, 0x0d, 0x0a, 0x80];

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static Task<TestGateway> StartAsync() => TestGateway.StartAsync(app =>
    {
        app.MapPost("/v1/functions/{name}/invoke", () => Results.Bytes(Binary, "application/octet-stream"));
        app.MapPost("/v1/functions/{name}/jobs", (HttpContext context) =>
        {
            var existing = context.Request.Headers["Idempotency-Key"] == "seen";
            return Results.Json(new { id = "0198a6b2c3d4e5f60718293a4b5c6d7e", status = "queued" }, statusCode: existing ? 200 : 202);
        });
    });

    [Fact]
    public async Task Invoke_WritesTheOutputByteForByte()
    {
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["invoke", "hello", "-d", "{\"n\": 1}"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal(Binary, run.OutBytes);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal("{\"n\": 1}", Encoding.UTF8.GetString(request.Body));
        Assert.Equal("application/json", request.Header("Content-Type"));
    }

    [Fact]
    public async Task Invoke_SendsAFilesBytes_ForAtFile()
    {
        await using var gateway = await StartAsync();
        File.WriteAllBytes(Path.Combine(temp.Path, "payload.bin"), Binary);

        var run = await CliRun.RunAsync(["invoke", "hello", "-d", "@payload.bin"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal(Binary, request.Body);
        Assert.Equal("application/octet-stream", request.Header("Content-Type"));
    }

    [Fact]
    public async Task Invoke_ReadsStdin_WhenRedirectedAndNoData()
    {
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["invoke", "hello"], temp.Path, gateway.Env(), stdin: "piped text"u8.ToArray());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("piped text", Encoding.UTF8.GetString(Assert.Single(gateway.Requests).Body));
    }

    [Fact]
    public async Task Invoke_PrefersData_OverStdin()
    {
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["invoke", "hello", "-d", "given"], temp.Path, gateway.Env(), stdin: "piped"u8.ToArray());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("given", Encoding.UTF8.GetString(Assert.Single(gateway.Requests).Body));
    }

    [Fact]
    public async Task InvokeAsync_PrintsOnlyTheJobId_AndSendsTheHeaders()
    {
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(
            ["invoke", "hello", "-d", "x", "--async", "--idempotency-key", "order-42", "--callback", "http://127.0.0.1:9/done", "--delay", "30s"],
            temp.Path,
            gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("0198a6b2c3d4e5f60718293a4b5c6d7e\n", run.Out);
        var request = Assert.Single(gateway.Requests);
        Assert.Equal("/v1/functions/hello/jobs", request.PathAndQuery);
        Assert.Equal("order-42", request.Header("Idempotency-Key"));
        Assert.Equal("http://127.0.0.1:9/done", request.Header("X-Callback-Url"));
        Assert.Equal("30s", request.Header("X-Delay"));
    }

    [Theory]
    [InlineData("--delay", "5m")]
    [InlineData("--callback", "https://example.com/hook")]
    public async Task Invoke_QueuesAsync_WhenDelayOrCallbackIsGiven(string option, string value)
    {
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["invoke", "hello", option, value], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("/v1/functions/hello/jobs", Assert.Single(gateway.Requests).PathAndQuery);
    }

    [Fact]
    public async Task InvokeAsync_PrintsTheEarlierId_ForAKnownIdempotencyKey()
    {
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["invoke", "hello", "--async", "--idempotency-key", "seen"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("0198a6b2c3d4e5f60718293a4b5c6d7e\n", run.Out);
    }
}
