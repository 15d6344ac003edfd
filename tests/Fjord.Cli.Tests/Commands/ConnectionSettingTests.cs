using Fjord.Cli.Roles;
using Fjord.Cli.Tests.Support;

namespace Fjord.Cli.Tests.Commands;

/// <summary>The roles' broker and store URIs come from the environment or a file, so no password needs a command line.</summary>
public sealed class ConnectionSettingTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static Func<string, string?> Env(params (string Name, string Value)[] vars) =>
        name => vars.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void Resolve_ReadsTheVariable_WhenNoFlagIsGiven() =>
        Assert.Equal("amqp://u:p@h/v", ConnectionSetting.Resolve(null, "--broker", "FJORD_BROKER", Env(("FJORD_BROKER", "amqp://u:p@h/v\n"))));

    [Fact]
    public void Resolve_ReadsTheFileTheVariableNames_Trimmed()
    {
        var file = Path.Combine(temp.Path, "store");
        File.WriteAllText(file, "postgres://fjord:secret@db/fjord\n");
        Assert.Equal("postgres://fjord:secret@db/fjord", ConnectionSetting.Resolve(null, "--store", "FJORD_STORE", Env(("FJORD_STORE_FILE", file))));
    }

    [Fact]
    public void Resolve_PrefersTheFlag_ThenTheVariable_ThenTheFile()
    {
        var file = Path.Combine(temp.Path, "broker");
        File.WriteAllText(file, "from-file");
        var env = Env(("FJORD_BROKER", "from-env"), ("FJORD_BROKER_FILE", file));
        Assert.Equal("from-flag", ConnectionSetting.Resolve("from-flag", "--broker", "FJORD_BROKER", env));
        Assert.Equal("from-env", ConnectionSetting.Resolve(null, "--broker", "FJORD_BROKER", env));
    }

    [Fact]
    public async Task Worker_WithAnUnreadableStoreFile_SaysWhichVariable_AndExitsWithUsage()
    {
        var env = new Dictionary<string, string>
        {
            ["FJORD_BROKER"] = "amqp://x",
            ["FJORD_STORE_FILE"] = Path.Combine(temp.Path, "missing"),
        };
        var run = await CliRun.RunAsync(["worker"], temp.Path, env);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("cannot read $FJORD_STORE_FILE");
    }

    [Fact]
    public async Task Worker_WithABackendThatIsNotRedis_ExitsWithUsage()
    {
        var run = await CliRun.RunAsync(["worker"], temp.Path, new Dictionary<string, string> { ["FJORD_BACKEND"] = "amqp://x" });

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("--backend takes a redis:// or rediss:// URI");
    }

    [Fact]
    public async Task Worker_WithARedisBackendThatDoesNotAnswer_FailsWithOneLine_AndNeedsNoBrokerOrStore()
    {
        var run = await CliRun.RunAsync(["worker", "--allow-unsandboxed"], temp.Path, new Dictionary<string, string> { ["FJORD_BACKEND"] = "redis://fjord:secret@127.0.0.1:1/0" });

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("Redis does not answer");
        Assert.DoesNotContain("secret", run.Error + run.Out, StringComparison.Ordinal);
    }
}
