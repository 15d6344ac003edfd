using Fjord.Cli.Commands;
using Fjord.Cli.Tests.Support;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite;

namespace Fjord.Cli.Tests.Commands;

/// <summary>
/// `fjord keys` and `fjord admin-key rotate` against a real gateway and SQLite store in this
/// process, with the admin key in ./.fjord/admin.key as `fjord up` leaves it.
/// </summary>
public sealed class KeysCommandTests : IAsyncLifetime
{
    private readonly TempFolder temp = new();
    private InProcessNode node = null!;

    private SqliteStore store => node.Store;

    private string KeyFile => Path.Combine(temp.Path, Defaults.DataDir, "admin.key");

    private Dictionary<string, string> FileEnv => new() { ["FJORD_URL"] = node.Url };

    private Dictionary<string, string> KeyEnv(string key) => new() { ["FJORD_URL"] = node.Url, ["FJORD_KEY"] = key };

    public async Task InitializeAsync() => node = await InProcessNode.StartAsync(temp.Path);

    public async Task DisposeAsync()
    {
        await node.DisposeAsync();
        temp.Dispose();
    }

    [Fact]
    public async Task Create_PrintsTheSecretOnce_Ls_ShowsNoSecret_Revoke_StopsIt()
    {
        var created = await CliRun.RunAsync(["keys", "create", "shop-web", "--scope", "invoke,read", "--namespace", "shop", "--rate", "50/s:100", "--expires", "90d"], temp.Path, FileEnv);

        Assert.Equal(ExitCodes.Success, created.ExitCode);
        var secret = created.Out.Trim();
        Assert.StartsWith("fjk_", secret, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', secret);
        Assert.Contains("shown only now", created.Error, StringComparison.Ordinal);
        var key = Assert.Single(await store.ListKeysAsync(default), k => k.Name == "shop-web");
        Assert.Equal(new KeyRateLimit(50, 100), key.RateLimit);
        Assert.InRange(key.ExpiresAt!.Value, DateTimeOffset.UtcNow.AddDays(89), DateTimeOffset.UtcNow.AddDays(91));

        var listed = await CliRun.RunAsync(["keys", "ls"], temp.Path, FileEnv);
        Assert.Equal(ExitCodes.Success, listed.ExitCode);
        Assert.DoesNotContain(secret, listed.Out, StringComparison.Ordinal);
        var row = Assert.Single(listed.Out.Split('\n'), l => l.Contains(key.Id, StringComparison.Ordinal));
        Assert.Contains("shop-web", row, StringComparison.Ordinal);
        Assert.Contains("invoke,read", row, StringComparison.Ordinal);
        Assert.Contains("50/s:100", row, StringComparison.Ordinal);

        var used = await CliRun.RunAsync(["functions", "ls"], temp.Path, KeyEnv(secret));
        var revoked = await CliRun.RunAsync(["keys", "revoke", key.Id], temp.Path, FileEnv);
        var refused = await CliRun.RunAsync(["functions", "ls"], temp.Path, KeyEnv(secret));

        Assert.Equal(ExitCodes.Success, used.ExitCode);
        Assert.Equal(ExitCodes.Success, revoked.ExitCode);
        Assert.Contains("revoked", revoked.Out, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.NotAuthorized, refused.ExitCode);
        refused.AssertOneErrorLine("not authorised");
    }

    [Fact]
    public async Task AKeyWithoutAdmin_CannotManageKeys_Exit3()
    {
        var created = await CliRun.RunAsync(["keys", "create", "ci", "--scope", "read,deploy"], temp.Path, FileEnv);

        var run = await CliRun.RunAsync(["keys", "create", "other", "--scope", "read"], temp.Path, KeyEnv(created.Out.Trim()));

        Assert.Equal(ExitCodes.NotAuthorized, run.ExitCode);
        run.AssertOneErrorLine("forbidden");
    }

    [Fact]
    public async Task Revoke_OfAnUnknownKey_Fails_Exit1()
    {
        var run = await CliRun.RunAsync(["keys", "revoke", "k0000000000000000"], temp.Path, FileEnv);

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        run.AssertOneErrorLine("no key");
    }

    [Fact]
    public async Task AdminKeyRotate_FromTheKeyFile_RewritesIt0600_AndPrintsNoSecret()
    {
        var old = (await File.ReadAllTextAsync(KeyFile)).Trim();

        var run = await CliRun.RunAsync(["admin-key", "rotate"], temp.Path, FileEnv);

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var fresh = (await File.ReadAllTextAsync(KeyFile)).Trim();
        Assert.NotEqual(old, fresh);
        Assert.StartsWith("fjk_", fresh, StringComparison.Ordinal);
        Assert.DoesNotContain(fresh, run.Out + run.Error, StringComparison.Ordinal);
        Assert.Contains(KeyFile, run.Out, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(KeyFile));
        Assert.False(File.Exists(KeyFile + ".new"));

        var withOld = await CliRun.RunAsync(["keys", "ls"], temp.Path, KeyEnv(old));
        var withFile = await CliRun.RunAsync(["keys", "ls"], temp.Path, FileEnv);
        Assert.Equal(ExitCodes.NotAuthorized, withOld.ExitCode);
        Assert.Equal(ExitCodes.Success, withFile.ExitCode);
    }

    [Fact]
    public async Task AdminKeyRotate_FromFjordKey_PrintsTheNewSecretOnce()
    {
        var old = (await File.ReadAllTextAsync(KeyFile)).Trim();

        var run = await CliRun.RunAsync(["admin-key", "rotate"], temp.Path, KeyEnv(old));

        Assert.Equal(ExitCodes.Success, run.ExitCode);
        var fresh = run.Out.Trim();
        Assert.StartsWith("fjk_", fresh, StringComparison.Ordinal);
        Assert.Equal(old, (await File.ReadAllTextAsync(KeyFile)).Trim());
        Assert.Equal(ExitCodes.Success, (await CliRun.RunAsync(["keys", "ls"], temp.Path, KeyEnv(fresh))).ExitCode);
        Assert.Equal(ExitCodes.NotAuthorized, (await CliRun.RunAsync(["keys", "ls"], temp.Path, KeyEnv(old))).ExitCode);
    }

    [Theory]
    [InlineData("keys", "create", "--scope", "read")]
    [InlineData("keys", "create", "x")]
    [InlineData("keys", "create", "x", "--scope", "root")]
    [InlineData("keys", "create", "x", "--scope", "read", "--rate", "fast")]
    [InlineData("keys", "create", "x", "--scope", "read", "--rate", "0/s")]
    [InlineData("keys", "create", "x", "--scope", "read", "--expires", "yesterday")]
    [InlineData("keys", "create", "x", "--scope", "read", "--namespace", "Shop")]
    [InlineData("keys", "revoke", "Not An Id")]
    [InlineData("up", "--key-rate-limit", "lots")]
    [InlineData("gateway", "--broker", "amqp://x", "--store", "Host=x", "--key-rate-limit", "10/m")]
    public async Task BadArguments_AreUsageErrors_AndNothingIsSent(params string[] args)
    {
        var keysBefore = (await store.ListKeysAsync(default)).Count;

        var run = await CliRun.RunAsync(args, temp.Path, FileEnv);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("");
        Assert.Equal(keysBefore, (await store.ListKeysAsync(default)).Count);
    }

    [Theory]
    [InlineData("50/s", 50, 50)]
    [InlineData("50", 50, 50)]
    [InlineData("5/s:20", 5, 20)]
    public void RateText_Parses(string text, int perSecond, int burst)
    {
        Assert.True(KeyRateText.TryParse(text, out var limit));
        Assert.Equal(new KeyRateLimit(perSecond, burst), limit);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-5/s")]
    [InlineData("5/m")]
    [InlineData("5/s:0")]
    [InlineData("5/s:1:2")]
    public void RateText_Refuses(string text) => Assert.False(KeyRateText.TryParse(text, out _));
}
