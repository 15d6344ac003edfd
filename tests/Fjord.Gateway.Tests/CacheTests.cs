using Fjord.Core.Functions;
using Fjord.Core.Storage;
using Fjord.Gateway.Auth;
using Fjord.Gateway.Functions;
using Fjord.Storage.Sqlite;

namespace Fjord.Gateway.Tests;

/// <summary>
/// The gateway's caches on a real SQLite store: functions, and keys (revocation after the TTL,
/// failed lookups kept apart, single-flight, refresh ahead of expiry).
/// </summary>
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

    [Fact]
    public async Task SprayingRandomKeys_NeitherEvictsTheRealKey_NorGrowsWithoutBound()
    {
        var time = new ManualTime();
        var cache = new KeyCache(_store, new KeyStates(new GatewayOptions()), time);
        await _store.AddKeyAsync(new ApiKey("real", "*", ["read"], DateTimeOffset.UtcNow), ApiKeySecrets.Hash("real-secret"), CancellationToken.None);
        var real = await cache.FindAsync("real-secret", CancellationToken.None);
        var lookupsAfterReal = cache.StoreLookups;

        for (var i = 0; i < KeyCache.MaxUnknown + 500; i++)
            Assert.Null(await cache.FindAsync("fjk_spray_" + i, CancellationToken.None));
        var lookupsAfterSpray = cache.StoreLookups;
        var again = await cache.FindAsync("real-secret", CancellationToken.None);

        Assert.NotNull(real);
        Assert.Same(real, again);
        Assert.Equal(1, lookupsAfterReal);
        Assert.Equal(lookupsAfterSpray, cache.StoreLookups);
        Assert.Equal(1, cache.KnownCount);
    }

    [Fact]
    public async Task ConcurrentMisses_OfOneSecret_ShareOneStoreLookup()
    {
        var cache = new KeyCache(_store, new KeyStates(new GatewayOptions()), new ManualTime());

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => cache.FindAsync("fjk_unknown", CancellationToken.None).AsTask()));

        Assert.All(results, Assert.Null);
        Assert.Equal(1, cache.StoreLookups);
    }

    [Fact]
    public async Task AKeyRevokedElsewhere_IsRefusedWithinTheTtl_WithoutARequestWaitingOnTheStore()
    {
        var time = new ManualTime();
        var cache = new KeyCache(_store, new KeyStates(new GatewayOptions()), time);
        await _store.AddKeyAsync(new ApiKey("k1", "*", ["read"], DateTimeOffset.UtcNow), ApiKeySecrets.Hash("s1"), CancellationToken.None);
        Assert.NotNull(await cache.FindAsync("s1", CancellationToken.None));

        // Another gateway revokes it: this one's entry is stale but still fresh enough to serve.
        Assert.True(await _store.RevokeKeyAsync("k1", CancellationToken.None));
        time.Advance(KeyCache.RefreshAfter + TimeSpan.FromMilliseconds(1));
        var served = cache.FindAsync("s1", CancellationToken.None);
        Assert.True(served.IsCompleted, "a stale entry is served at once; the refresh runs in the background");
        Assert.NotNull(await served);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (await cache.FindAsync("s1", CancellationToken.None) is not null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the background refresh never dropped the revoked key");
            await Task.Delay(10);
        }
        Assert.True(KeyCache.PositiveTtl <= TimeSpan.FromSeconds(5), "revocation must reach every gateway within 5 s");
    }

    [Fact]
    public async Task Forget_DropsTheKeyAtOnce()
    {
        var cache = new KeyCache(_store, new KeyStates(new GatewayOptions()), new ManualTime());
        await _store.AddKeyAsync(new ApiKey("k1", "*", ["read"], DateTimeOffset.UtcNow), ApiKeySecrets.Hash("s1"), CancellationToken.None);
        Assert.NotNull(await cache.FindAsync("s1", CancellationToken.None));
        await _store.RevokeKeyAsync("k1", CancellationToken.None);

        cache.Forget("k1");

        Assert.Null(await cache.FindAsync("s1", CancellationToken.None));
    }
}
