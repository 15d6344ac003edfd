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
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    public async Task StartupLine_NamesTheFile_NeverTheSecret_AndAnOlderLooserFileIsClosed()
    {
        var dir = TestGateway.NewTempDir();
        try
        {
            var options = new GatewayOptions { DataDir = dir };
            AdminKey created;
            await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "fjord.db") }, CancellationToken.None))
                created = await AdminKeyBootstrap.EnsureAsync(store, options, CancellationToken.None);
            // An older Fjord, or a careless copy, left the key readable by everyone.
            File.SetUnixFileMode(created.FilePath!, (UnixFileMode)0b110_100_100);

            await using var reopened = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(dir, "fjord.db") }, CancellationToken.None);
            var existing = await AdminKeyBootstrap.EnsureAsync(reopened, options, CancellationToken.None);

            var first = AdminKeyBootstrap.StartupLine(created, fromEnvironment: false);
            var again = AdminKeyBootstrap.StartupLine(existing, fromEnvironment: false);
            Assert.Contains(created.FilePath!, first, StringComparison.Ordinal);
            Assert.DoesNotContain(created.Secret!, first, StringComparison.Ordinal);
            Assert.Contains(created.FilePath!, again, StringComparison.Ordinal);
            Assert.DoesNotContain(created.Secret!, again, StringComparison.Ordinal);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(created.FilePath!));
            Assert.Equal("admin key: from FJORD_ADMIN_KEY", AdminKeyBootstrap.StartupLine(new AdminKey("fjk_env", null, true), fromEnvironment: true));
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
