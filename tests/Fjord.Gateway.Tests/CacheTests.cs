using Fjord.Core.Functions;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Functions;
using Fjord.Storage.Sqlite;

namespace Fjord.Gateway.Tests;

public sealed class CacheTests : IAsyncLifetime
{
    private readonly string _dir = TestGateway.NewTempDir();
    private SqliteStore _store = null!;

    public async Task InitializeAsync() =>
        _store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(_dir, "fjord.db") }, CancellationToken.None);

    public async Task DisposeAsync()
    {
        await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task KeyCache_TrustsRevokedKeyUntilTtl_ThenRefusesIt()
    {
        var time = new ManualTime();
        var cache = new KeyCache(_store, new KeyStates(new GatewayOptions()), time);
        await _store.AddKeyAsync(new ApiKey("k1", "*", ["read"], DateTimeOffset.UtcNow), ApiKeySecrets.Hash("secret-1"), CancellationToken.None);

        var first = await cache.FindAsync("secret-1", CancellationToken.None);
        Assert.True(await _store.RevokeKeyAsync("k1", CancellationToken.None));
        var cached = await cache.FindAsync("secret-1", CancellationToken.None);
        time.Advance(KeyCache.PositiveTtl + TimeSpan.FromMilliseconds(1));
        var expired = await cache.FindAsync("secret-1", CancellationToken.None);

        Assert.NotNull(first);
        Assert.Same(first, cached);
        Assert.Null(expired);
    }

    [Fact]
    public async Task KeyCache_RemembersUnknownKeyBriefly()
    {
        var time = new ManualTime();
        var cache = new KeyCache(_store, new KeyStates(new GatewayOptions()), time);

        var before = await cache.FindAsync("late-key", CancellationToken.None);
        await _store.AddKeyAsync(new ApiKey("k2", "ns", ["invoke"], DateTimeOffset.UtcNow), ApiKeySecrets.Hash("late-key"), CancellationToken.None);
        var stillNegative = await cache.FindAsync("late-key", CancellationToken.None);
        time.Advance(KeyCache.NegativeTtl + TimeSpan.FromMilliseconds(1));
        var found = await cache.FindAsync("late-key", CancellationToken.None);

        Assert.Null(before);
        Assert.Null(stillNegative);
        Assert.NotNull(found);
        Assert.True(found.Allows(Scope.Invoke));
        Assert.False(found.Allows(Scope.Deploy));
        Assert.True(found.Covers("ns-x"));
        Assert.False(found.Covers("nsx"));
    }

    [Fact]
    public async Task FunctionCache_ServesFromMemoryUntilInvalidated()
    {
        var time = new ManualTime();
        var cache = new FunctionCache(_store, time);
        await _store.PutFunctionAsync(new FunctionSpec { Name = "fn", Command = ["/bin/cat"], MaxAttempts = 2 }, CancellationToken.None);

        var first = await cache.GetAsync("fn", CancellationToken.None);
        await _store.PutFunctionAsync(new FunctionSpec { Name = "fn", Command = ["/bin/cat"], MaxAttempts = 7 }, CancellationToken.None);
        var cached = await cache.GetAsync("fn", CancellationToken.None);
        cache.Invalidate("fn");
        var fresh = await cache.GetAsync("fn", CancellationToken.None);

        Assert.Equal(2, first?.Spec.MaxAttempts);
        Assert.Equal(2, cached?.Spec.MaxAttempts);
        Assert.Equal(7, fresh?.Spec.MaxAttempts);
    }

    [Fact]
    public async Task FunctionCache_ReloadsAfterTtl()
    {
        var time = new ManualTime();
        var cache = new FunctionCache(_store, time);

        var missing = await cache.GetAsync("later", CancellationToken.None);
        await _store.PutFunctionAsync(new FunctionSpec { Name = "later", Command = ["/bin/cat"] }, CancellationToken.None);
        var stillMissing = await cache.GetAsync("later", CancellationToken.None);
        time.Advance(FunctionCache.Ttl + TimeSpan.FromMilliseconds(1));
        var found = await cache.GetAsync("later", CancellationToken.None);

        Assert.Null(missing);
        Assert.Null(stillMissing);
        Assert.NotNull(found);
    }
}
