using Fjord.Cli.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Fjord.Cli.Tests.Client;

/// <summary>Which key the CLI shows the gateway: $FJORD_KEY, else &lt;$FJORD_DATA or ./.fjord&gt;/admin.key.</summary>
public sealed class KeyResolutionTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static Task<TestGateway> StartAsync() =>
        TestGateway.StartAsync(app => app.MapGet("/v1/functions", () => Results.Json(new { items = Array.Empty<object>() })));

    [Fact]
    public async Task Run_SendsFjordKey_AsBearer()
    {
        await using var gateway = await StartAsync();
        temp.Write(".fjord/admin.key", "from-file\n");

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, gateway.Env("from-env"));

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("Bearer from-env", Assert.Single(gateway.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task Run_ReadsTheDefaultDataFoldersKeyFile_WithoutFjordKey()
    {
        await using var gateway = await StartAsync();
        temp.Write($"{Defaults.DataDir}/admin.key", "from-file\n");

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, new Dictionary<string, string> { ["FJORD_URL"] = gateway.Url.ToString() });

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("Bearer from-file", Assert.Single(gateway.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task Run_ReadsFjordDatasKeyFile_WhenSet()
    {
        await using var gateway = await StartAsync();
        temp.Write(".fjord/admin.key", "default-folder");
        temp.Write("elsewhere/admin.key", "chosen-folder");
        var env = new Dictionary<string, string> { ["FJORD_URL"] = gateway.Url.ToString(), ["FJORD_DATA"] = "elsewhere" };

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, env);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("Bearer chosen-folder", Assert.Single(gateway.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task Run_SendsNoKey_WhenThereIsNone()
    {
        await using var gateway = await StartAsync();

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, new Dictionary<string, string> { ["FJORD_URL"] = gateway.Url.ToString() });

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Null(Assert.Single(gateway.Requests).Header("Authorization"));
    }

    [Fact]
    public async Task Run_KeepsAPathPrefixOfFjordUrl()
    {
        await using var gateway = await TestGateway.StartAsync(app => app.MapGet("/fjord/v1/functions", () => Results.Json(new { items = Array.Empty<object>() })));
        var env = new Dictionary<string, string> { ["FJORD_URL"] = new Uri(gateway.Url, "/fjord").ToString(), ["FJORD_KEY"] = "k" };

        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, env);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        Assert.Equal("/fjord/v1/functions", Assert.Single(gateway.Requests).PathAndQuery);
    }
}
