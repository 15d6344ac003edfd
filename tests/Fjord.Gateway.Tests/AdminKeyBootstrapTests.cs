using System.Net;
using Fjord.Gateway.Auth;
using Fjord.Storage.Sqlite;

namespace Fjord.Gateway.Tests;

public sealed class AdminKeyBootstrapTests
{
    [Fact]
    public async Task EnsureAsync_WritesKeyFileWithMode0600_OnEmptyStore()
    {
        var dir = TestGateway.NewTempDir();
        try
        {
            await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "fjord.db") }, CancellationToken.None);

            var key = await AdminKeyBootstrap.EnsureAsync(store, new GatewayOptions { DataDir = dir }, CancellationToken.None);

            Assert.True(key.Created);
            Assert.Equal(Path.Combine(dir, "admin.key"), key.FilePath);
            Assert.StartsWith("fjk_", key.Secret, StringComparison.Ordinal);
            Assert.Equal(key.Secret, File.ReadAllText(key.FilePath!).Trim());
            if (!OperatingSystem.IsWindows())
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key.FilePath!));
            var stored = await store.FindBySecretHashAsync(ApiKeySecrets.Hash(key.Secret!), CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal("*", stored.Namespace);
            Assert.Contains("admin", stored.Scopes);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task EnsureAsync_KeepsKey_OnSecondStart()
    {
        var dir = TestGateway.NewTempDir();
        try
        {
            var options = new GatewayOptions { DataDir = dir };
            AdminKey first;
            await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "fjord.db") }, CancellationToken.None))
                first = await AdminKeyBootstrap.EnsureAsync(store, options, CancellationToken.None);

            await using var reopened = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "fjord.db") }, CancellationToken.None);
            var second = await AdminKeyBootstrap.EnsureAsync(reopened, options, CancellationToken.None);

            Assert.False(second.Created);
            Assert.Equal(first.Secret, second.Secret);
            Assert.Single(await reopened.ListKeysAsync(CancellationToken.None));
            Assert.NotNull(await reopened.FindBySecretHashAsync(ApiKeySecrets.Hash(first.Secret!), CancellationToken.None));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task EnsureAsync_UsesEnvironmentKey_AndWritesNoFile()
    {
        var dir = TestGateway.NewTempDir();
        try
        {
            await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "fjord.db") }, CancellationToken.None);

            var key = await AdminKeyBootstrap.EnsureAsync(store, new GatewayOptions { DataDir = dir, AdminKeyFromEnvironment = "my-admin-secret-123" }, CancellationToken.None);

            Assert.True(key.Created);
            Assert.Equal("my-admin-secret-123", key.Secret);
            Assert.Null(key.FilePath);
            Assert.False(File.Exists(Path.Combine(dir, "admin.key")));
            Assert.NotNull(await store.FindBySecretHashAsync(ApiKeySecrets.Hash("my-admin-secret-123"), CancellationToken.None));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Gateway_AcceptsGeneratedAdminKey()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.Client.GetAsync(new Uri("/v1/functions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
