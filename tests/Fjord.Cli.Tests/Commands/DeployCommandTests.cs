using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Fjord.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Fjord.Cli.Tests.Commands;

public sealed class DeployCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    /// <summary>A gateway that hashes bundles like the real one and says created the first time, updated after.</summary>
    /// <param name="nodes">What <c>GET /v1/nodes</c> answers; no nodes when null.</param>
    internal static Task<TestGateway> StartAsync(Func<IResult>? nodes = null)
    {
        var known = new HashSet<string>();
        return TestGateway.StartAsync(app =>
        {
            app.MapGet("/v1/nodes", () => nodes?.Invoke() ?? Results.Json(new { nodes = Array.Empty<object>() }));
            app.MapPut("/v1/functions/{name}/bundle", async (HttpRequest request) =>
            {
                using var body = new MemoryStream();
                await request.Body.CopyToAsync(body);
                return Results.Json(new { bundle = Convert.ToHexStringLower(SHA256.HashData(body.ToArray())) });
            });
            app.MapPut("/v1/functions/{name}", (string name) =>
            {
                lock (known)
                    return known.Add(name) ? Results.Json(new { name }, statusCode: 201) : Results.Json(new { name });
            });
        });
    }

    [Fact]
    public async Task Deploy_UploadsTheBundleBeforeTheSpecThatNamesIt()
    {
        temp.Write("functions/hello/handler.py", "def handle(p, c): return p\n");
        temp.Write("fjord.yml", """
            functions:
              hello:
                runtime: python
                handler: functions/hello/handler.py
                timeout: 30s
            """);
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["deploy"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var requests = gateway.Requests.ToArray();
        Assert.Equal(["PUT /v1/functions/hello/bundle", "PUT /v1/functions/hello"], requests.Select(r => $"{r.Method} {r.PathAndQuery}"));
        Assert.Equal("application/zip", requests[0].Header("Content-Type"));
        using (var zip = new ZipArchive(new MemoryStream(requests[0].Body)))
            Assert.Equal(["handler.py"], zip.Entries.Select(e => e.FullName));

        using var spec = JsonDocument.Parse(requests[1].Body);
        var root = spec.RootElement;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(requests[0].Body)), root.GetProperty("bundle").GetString());
        Assert.Equal("python", root.GetProperty("runtime").GetString());
        Assert.Equal("handler.py", root.GetProperty("handler").GetString());
        Assert.Equal("30s", root.GetProperty("timeout").GetString());
        Assert.False(root.TryGetProperty("path", out _));
        Assert.Matches(@"^hello\s+created\s+bundle [0-9a-f]{12} \(1 files", run.Out);
    }

    [Fact]
    public async Task Deploy_SaysUpdated_TheSecondTime_AndSendsNoBundleForAHostProgram()
    {
        temp.Write("fjord.yml", "functions:\n  upper:\n    runtime: exec\n    command: [/usr/bin/tr, a-z, A-Z]\n");
        await using var gateway = await StartAsync();

        await CliRun.RunAsync(["deploy"], temp.Path, gateway.Env());
        var second = await CliRun.RunAsync(["deploy"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, second.ExitCode);
        Assert.Contains("upper  updated  host program", second.Out, StringComparison.Ordinal);
        Assert.All(gateway.Requests, r => Assert.Equal("/v1/functions/upper", r.PathAndQuery));
        using var spec = JsonDocument.Parse(gateway.Requests.Last().Body);
        Assert.False(spec.RootElement.TryGetProperty("bundle", out _));
    }

    [Fact]
    public async Task Deploy_DeploysOnlyTheNamedFunctions()
    {
        temp.Write("fjord.yml", "functions:\n  a:\n    runtime: exec\n    command: [/bin/cat]\n  b:\n    runtime: exec\n    command: [/bin/cat]\n");
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["deploy", "b"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("/v1/functions/b", Assert.Single(gateway.Requests).PathAndQuery);
    }
}
