using System.Text;
using Fjord.Cli.Project;
using Fjord.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Fjord.Cli.Tests.Commands;

/// <summary>`fjord secrets set | ls | rm` against a stand-in gateway, and `secrets:` in fjord.yml.</summary>
public sealed class SecretsCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static Task<TestGateway> GatewayAsync() => TestGateway.StartAsync(app =>
    {
        app.MapPut("/v1/secrets/{name}", () => Results.NoContent());
        app.MapDelete("/v1/secrets/{name}", (string name) => name == "gone"
            ? TestGateway.Problem(404, "there is no secret 'gone'")
            : Results.NoContent());
        app.MapGet("/v1/secrets", () => Results.Json(new
        {
            items = new object[] { new { name = "db-password", size = 17, createdAt = "2026-01-02T03:04:05Z", updatedAt = "2026-01-03T03:04:05Z" } },
        }));
    });

    [Fact]
    public async Task SetFromFile_SendsTheFileByteForByte()
    {
        await using var gateway = await GatewayAsync();
        var file = temp.Write("pw.txt", "line one\nline two\n");

        var run = await CliRun.RunAsync(["secrets", "set", "db-password", "--from-file", "pw.txt"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("db-password  stored", run.Out.Trim());
        var request = Assert.Single(gateway.Requests);
        Assert.Equal("PUT", request.Method);
        Assert.Equal("/v1/secrets/db-password", request.PathAndQuery);
        Assert.Equal(await File.ReadAllBytesAsync(file), request.Body);
        Assert.Equal("Bearer test-key", request.Header("Authorization"));
    }

    [Fact]
    public async Task SetFromFileDash_ReadsStdin_AndSetFromLiteral_SendsTheText()
    {
        await using var gateway = await GatewayAsync();

        var piped = await CliRun.RunAsync(["secrets", "set", "token", "--from-file", "-"], temp.Path, gateway.Env(), stdin: "from-stdin"u8.ToArray());
        var literal = await CliRun.RunAsync(["secrets", "set", "other", "--from-literal", "hunter2"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, piped.ExitCode);
        Assert.Equal(ExitCodes.Success, literal.ExitCode);
        var requests = gateway.Requests.ToArray();
        Assert.Equal("from-stdin", Encoding.UTF8.GetString(requests[0].Body));
        Assert.Equal("hunter2", Encoding.UTF8.GetString(requests[1].Body));
        Assert.DoesNotContain("hunter2", literal.Out, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "secrets", "set", "db" }, "exactly one of --from-file")]
    [InlineData(new[] { "secrets", "set", "db", "--from-file", "a", "--from-literal", "b" }, "exactly one of --from-file")]
    [InlineData(new[] { "secrets", "set", "DB", "--from-literal", "b" }, "is not a secret name")]
    [InlineData(new[] { "secrets", "set", "../x", "--from-literal", "b" }, "is not a secret name")]
    [InlineData(new[] { "secrets", "set", "db", "--from-literal", "" }, "must not be empty")]
    [InlineData(new[] { "secrets", "set", "db", "--from-file", "missing.txt" }, "cannot read")]
    [InlineData(new[] { "secrets", "set", "db", "--from-file", "-" }, "needs the value piped into stdin")]
    [InlineData(new[] { "secrets", "rm", "Not_Valid" }, "is not a secret name")]
    public async Task BadUsage_IsExit2_OneLine_AndSendsNothing(string[] args, string message)
    {
        await using var gateway = await GatewayAsync();

        var run = await CliRun.RunAsync(args, temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine(message);
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task SetOfAFileOver64KiB_IsRefusedLocally()
    {
        await using var gateway = await GatewayAsync();
        temp.Write("big.bin", new string('x', 64 * 1024 + 1));

        var run = await CliRun.RunAsync(["secrets", "set", "big", "--from-file", "big.bin"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("at most 65536 bytes");
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Ls_ShowsNamesSizesAndDates()
    {
        await using var gateway = await GatewayAsync();

        var run = await CliRun.RunAsync(["secrets", "ls"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var row = Assert.Single(run.Out.Split('\n'), l => l.Contains("db-password", StringComparison.Ordinal));
        Assert.Contains("17", row, StringComparison.Ordinal);
        Assert.Contains("2026-01-03 03:04:05", row, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rm_Deletes_AndAnUnknownSecretIsExit1()
    {
        await using var gateway = await GatewayAsync();

        var removed = await CliRun.RunAsync(["secrets", "rm", "db-password"], temp.Path, gateway.Env());
        var missing = await CliRun.RunAsync(["secrets", "rm", "gone"], temp.Path, gateway.Env());

        Assert.Equal(ExitCodes.Success, removed.ExitCode);
        Assert.Equal("db-password  removed", removed.Out.Trim());
        Assert.Equal("DELETE", gateway.Requests.First().Method);
        Assert.Equal(ExitCodes.Failed, missing.ExitCode);
        missing.AssertOneErrorLine("there is no secret 'gone'");
    }

    [Fact]
    public void FjordYml_SecretsTravelInTheSpec_AndBadNamesAreRefused()
    {
        temp.Write("fn/run.sh", "#!/bin/sh\ncat /run/secrets/db-password\n");
        var good = temp.Write("fjord.yml", """
            functions:
              reader:
                runtime: exec
                path: fn
                command: ["./run.sh"]
                secrets: [db-password, api_token]
            """);
        var bad = temp.Write("bad.yml", """
            functions:
              reader:
                runtime: exec
                command: ["/bin/cat"]
                secrets: ["../etc/shadow", db-password, db-password]
            """);

        var project = ProjectFile.Load(good);
        var error = Assert.Throws<CliException>(() => ProjectFile.Load(bad));

        Assert.Equal(["db-password", "api_token"], Assert.Single(project.Functions).Document.Secrets);
        Assert.Equal(ExitCodes.Usage, error.ExitCode);
        Assert.Contains("secret '../etc/shadow' must be", error.Message, StringComparison.Ordinal);
        Assert.Contains("must not name a secret twice", error.Message, StringComparison.Ordinal);
    }
}
