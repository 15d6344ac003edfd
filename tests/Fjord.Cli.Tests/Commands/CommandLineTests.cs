using Fjord.Cli.Tests.Support;

namespace Fjord.Cli.Tests.Commands;

/// <summary>Usage errors end with exit code 2 and one line on stderr, before anything is sent.</summary>
public sealed class CommandLineTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("invoke")]
    [InlineData("invoke", "Not_A_Name")]
    [InlineData("invoke", "hello", "--delay", "soon")]
    [InlineData("invoke", "hello", "--callback", "not-a-url")]
    [InlineData("invoke", "hello", "--content-type", "???")]
    [InlineData("jobs", "ls", "--status", "sleeping")]
    [InlineData("jobs", "ls", "--limit", "0")]
    [InlineData("jobs", "ls", "--function", "UPPER")]
    [InlineData("jobs", "get")]
    [InlineData("up", "--port", "70000")]
    [InlineData("up", "--port", "eighty")]
    [InlineData("up", "--callback-allow", "10.0.0.1/8")]
    [InlineData("up", "--max-bundle-unpacked", "lots")]
    [InlineData("gateway", "--broker", "amqp://x", "--store", "Host=x", "--callback-allow", "not a host")]
    [InlineData("worker", "--broker", "amqp://x", "--store", "Host=x", "--max-bundle-unpacked", "0")]
    [InlineData("deploy", "--no-such-flag")]
    [InlineData("functions", "rm")]
    [InlineData("top", "--interval", "fast")]
    [InlineData("gateway", "--store", "Host=x")]
    [InlineData("worker", "--broker", "amqp://x")]
    [InlineData("keys", "create", "--namespace", "*", "--scope", "admin")]
    public async Task Run_ExitsWithUsage_OnBadArguments(params string[] args)
    {
        // FJORD_URL points nowhere: had anything been sent, the exit code would be 3, not 2.
        var run = await CliRun.RunAsync(args, temp.Path, new Dictionary<string, string> { ["FJORD_URL"] = $"http://127.0.0.1:{TestGateway.FreePort()}" });

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("");
        Assert.Empty(run.OutBytes);
    }

    [Fact]
    public async Task Help_ListsEveryCommandOfTheContract()
    {
        var run = await CliRun.RunAsync(["--help"], temp.Path);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        foreach (var command in new[] { "up", "gateway", "worker", "deploy", "functions", "invoke", "jobs", "logs", "top", "keys", "admin-key" })
            Assert.Contains($"  {command}", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gateway_WithoutBroker_NamesTheMissingOption()
    {
        var run = await CliRun.RunAsync(["gateway", "--store", "Host=x"], temp.Path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("--broker, $FJORD_BROKER or $FJORD_BROKER_FILE is required");
    }

    [Fact]
    public async Task Deploy_ExitsWithUsage_OnAnInvalidProjectFile()
    {
        temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: cobol\n");

        var run = await CliRun.RunAsync(["deploy"], temp.Path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("runtime 'cobol'");
    }

    [Fact]
    public async Task Deploy_ExitsWithUsage_OnAnUnknownFunctionName()
    {
        temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: exec\n    command: [/bin/cat]\n");

        var run = await CliRun.RunAsync(["deploy", "-f", "fjord.yml", "nope"], temp.Path, new Dictionary<string, string> { ["FJORD_URL"] = $"http://127.0.0.1:{TestGateway.FreePort()}" });

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("no function 'nope'");
    }

    [Fact]
    public async Task Up_ExitsWithUsage_WhenTheGivenProjectFileIsMissing()
    {
        var run = await CliRun.RunAsync(["up", "--data", "d", "-f", "missing.yml"], temp.Path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("missing.yml");
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "d")));
    }

    [Fact]
    public async Task Up_ExitsWithUsage_WhenTheDefaultProjectFileIsInvalid()
    {
        temp.Write("fjord.yml", "functions:\n  hello:\n    runtime: python\n");

        var run = await CliRun.RunAsync(["up", "--data", "d"], temp.Path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("needs a handler");
    }

    [Fact]
    public async Task Invoke_ExitsWithUsage_WhenThePayloadFileIsMissing()
    {
        var run = await CliRun.RunAsync(["invoke", "hello", "-d", "@nope.json"], temp.Path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("nope.json");
    }

    [Fact]
    public async Task Run_ExitsWithUsage_WhenFjordUrlIsNotHttp()
    {
        var run = await CliRun.RunAsync(["functions", "ls"], temp.Path, new Dictionary<string, string> { ["FJORD_URL"] = "ftp://example" });

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("$FJORD_URL");
    }
}
