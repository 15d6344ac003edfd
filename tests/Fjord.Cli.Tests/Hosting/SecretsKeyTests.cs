using Fjord.Cli.Tests.Support;
using Fjord.Core.Secrets;
using Fjord.Storage.Sqlite;

namespace Fjord.Cli.Tests.Hosting;

/// <summary>Where a node's secrets key comes from, and a node refusing to start with the wrong one.</summary>
public sealed class SecretsKeyTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public async Task TheKeyFile_IsCreated0600_OnFirstStart_AndReusedAfter()
    {
        var file = Path.Combine(temp.Path, "data", SecretKey.FileName);

        var first = GatewayHost.SecretsKey(file, fromEnvironment: null)!;
        var second = GatewayHost.SecretsKey(file, fromEnvironment: null)!;

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        Assert.Equal(32, Convert.FromBase64String((await File.ReadAllTextAsync(file)).Trim()).Length);
        Assert.Equal(first.ToBase64(), second.ToBase64());
        Assert.DoesNotContain(first.ToBase64(), first.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void TheEnvironment_WinsOverTheFile_AndABadValueIsOneClearError()
    {
        var file = Path.Combine(temp.Path, SecretKey.FileName);
        var shared = SecretKey.Generate().ToBase64();

        var fromEnvironment = GatewayHost.SecretsKey(file, shared)!;
        var clusterWithout = GatewayHost.SecretsKey(keyFile: null, fromEnvironment: null);
        var bad = Assert.Throws<CliException>(() => GatewayHost.SecretsKey(null, "not-a-key"));

        Assert.Equal(shared, fromEnvironment.ToBase64());
        Assert.False(File.Exists(file));
        Assert.Null(clusterWithout);
        Assert.Equal(ExitCodes.Failed, bad.ExitCode);
        Assert.Contains("FJORD_SECRETS_KEY must be the base64 of 32 random bytes", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANode_RefusesToStart_WhenTheStoreHoldsSecretsItCannotOpen()
    {
        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(temp.Path, "fjord.db") }, default);
        var key = SecretKey.Generate();
        var empty = await GatewayHost.OpenSecretsAsync(store, key: null, default);
        await new SecretVault(store, key).PutAsync("db", [1, 2, 3], default);

        var other = await Assert.ThrowsAsync<CliException>(() => GatewayHost.OpenSecretsAsync(store, SecretKey.Generate(), default));
        var none = await Assert.ThrowsAsync<CliException>(() => GatewayHost.OpenSecretsAsync(store, key: null, default));
        var right = await GatewayHost.OpenSecretsAsync(store, key, default);

        Assert.False(empty.HasKey);
        Assert.Contains("does not open the stored secrets", other.Message, StringComparison.Ordinal);
        Assert.Contains("FJORD_SECRETS_KEY", none.Message, StringComparison.Ordinal);
        Assert.Equal([1, 2, 3], (await right.ReadAsync(["db"], default))[0].Value);
    }
}
