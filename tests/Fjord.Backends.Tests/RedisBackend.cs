using Fjord.Storage.Redis;
using Fjord.Tests.Shared;
using StackExchange.Redis;

namespace Fjord.Backends.Tests;

/// <summary>
/// Redis: the private server, with a key prefix and an ACL user of this test's own, with exactly
/// the rights of deploy.md's least-privilege user (<see cref="RedisAcl"/>) on that prefix, so tests
/// run side by side, a fault made for one test touches no other, and a command the store uses
/// without the ACL allowing it fails the suite.
/// </summary>
internal sealed class RedisBackend : OneStoreBackend<RedisStore>
{
    private static readonly Lazy<ConnectionMultiplexer> Admin = new(() => ConnectionMultiplexer.Connect(Fjord.Storage.Redis.RedisUri.Parse(Services.RedisAdminUri)));

    private readonly string _user;

    private RedisBackend(RedisStore store, string user, string prefix)
        : base(store)
    {
        _user = user;
        Prefix = prefix;
    }

    public string Prefix { get; }

    /// <summary>The private server as its admin: for what a test reads straight from Redis (MEMORY USAGE, STRLEN, KEYS).</summary>
    public static IDatabase AdminDb => Admin.Value.GetDatabase();

    public static async Task<RedisBackend> CreateAsync(Func<RedisStoreOptions, RedisStoreOptions>? configure = null)
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var prefix = $"fjord:t{tag}:";
        var user = "fjord-t" + tag;
        var password = Guid.NewGuid().ToString("N");
        await AdminDb.ExecuteAsync("ACL", ["SETUSER", user, "on", ">" + password, .. RedisAcl.Rules(prefix)]);
        var uri = new UriBuilder(Services.RedisUri) { UserName = user, Password = password }.Uri.ToString();
        var options = new RedisStoreOptions
        {
            ConnectionString = uri,
            Prefix = prefix,
            LeaseDuration = Lease,
            ReapInterval = TimeSpan.FromMilliseconds(200),
        };
        var store = await RedisStore.OpenAsync(configure?.Invoke(options) ?? options, CancellationToken.None);
        return new RedisBackend(store, user, prefix);
    }

    /// <summary>Each key's window is its TTL: shortened by <paramref name="by"/> (gone when that is all it had).</summary>
    public override async Task AgeIdempotencyKeysAsync(TimeSpan by)
    {
        var server = Admin.Value.GetServers()[0];
        await foreach (var key in server.KeysAsync(pattern: Prefix + "i:*"))
        {
            var left = await AdminDb.KeyTimeToLiveAsync(key);
            if (left is { } ttl && ttl > by)
                await AdminDb.KeyExpireAsync(key, ttl - by);
            else
                await AdminDb.KeyDeleteAsync(key);
        }
    }

    public override async Task<byte[]> RawStoredBytesAsync(string secret)
    {
        var dump = await AdminDb.KeyDumpAsync(Prefix + "s:" + secret) ?? [];
        var fields = await AdminDb.HashGetAllAsync(Prefix + "s:" + secret);
        return [.. dump, .. fields.SelectMany(f => (byte[])f.Value!)];
    }

    /// <summary>
    /// This test's user may no longer write (NOPERM at the script's first write, so nothing of it
    /// is applied), as a full server refuses with OOM under noeviction; the store maps both to 503.
    /// </summary>
    public override async Task<IAsyncDisposable> FailCompletionsAsync()
    {
        await AdminDb.ExecuteAsync("ACL", "SETUSER", _user, "-@write");
        return new Undo(() => AdminDb.ExecuteAsync("ACL", ["SETUSER", _user, .. RedisAcl.Rules(Prefix)]));
    }

    /// <summary>Moves a node's last beat back in time.</summary>
    public Task AgeNodeAsync(string node, TimeSpan by) => AdminDb.SortedSetIncrementAsync(Prefix + "ns", node, -by.TotalMilliseconds);

    /// <summary>Every key of this test's prefix.</summary>
    public async Task<List<RedisKey>> KeysAsync(string pattern = "*")
    {
        var keys = new List<RedisKey>();
        await foreach (var key in Admin.Value.GetServers()[0].KeysAsync(pattern: Prefix + pattern, pageSize: 1000))
            keys.Add(key);
        return keys;
    }

    public override async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        foreach (var chunk in (await KeysAsync()).Chunk(500))
            await AdminDb.KeyDeleteAsync(chunk);
        await AdminDb.ExecuteAsync("ACL", "DELUSER", _user);
    }
}
