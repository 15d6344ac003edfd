using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Storage.Redis;
using Fjord.Tests.Shared;
using StackExchange.Redis;

namespace Fjord.Backends.Tests;

/// <summary>
/// Redis: the private server, with a key prefix and an ACL user of this test's own (limited to
/// that prefix, as deploy.md's least-privilege user is to fjord:*), so tests run side by side and
/// a fault made for one test touches no other.
/// </summary>
internal sealed class RedisBackend : Backend
{
    private static readonly Lazy<ConnectionMultiplexer> Admin = new(() => ConnectionMultiplexer.Connect(Fjord.Storage.Redis.RedisUri.Parse(Services.RedisAdminUri)));

    private readonly RedisStore _store;
    private readonly string _user;

    private RedisBackend(RedisStore store, string user, string prefix)
    {
        _store = store;
        _user = user;
        Prefix = prefix;
    }

    public string Prefix { get; }

    public RedisStore Store => _store;

    private static IDatabase AdminDb => Admin.Value.GetDatabase();

    public static async Task<RedisBackend> CreateAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var prefix = $"fjord:t{tag}:";
        var user = "fjord-t" + tag;
        var password = Guid.NewGuid().ToString("N");
        await AdminDb.ExecuteAsync("ACL", "SETUSER", user, "on", ">" + password, $"~{prefix}*", $"&{prefix}*", "+@all", "-@dangerous", "+config|get", "+info");
        var uri = new UriBuilder(Services.RedisUri) { UserName = user, Password = password }.Uri.ToString();
        var store = await RedisStore.OpenAsync(new RedisStoreOptions
        {
            ConnectionString = uri,
            Prefix = prefix,
            LeaseDuration = Lease,
            ReapInterval = TimeSpan.FromMilliseconds(200),
        }, CancellationToken.None);
        return new RedisBackend(store, user, prefix);
    }

    public override IJobQueue Queue => _store;
    public override IJobStore Jobs => _store;
    public override IFunctionStore Functions => _store;
    public override IJobMonitor Monitor => _store;
    public override IKeyStore Keys => _store;
    public override IDeadLetters DeadLetters => _store;
    public override ICallbackOutbox Callbacks => _store;
    public override ISecretStore Secrets => _store;
    public override IScheduleStore Schedules => _store;

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

    public override Task<byte[]> RawStoredBytesAsync(string secret) => _store.RawSecretAsync(secret);

    /// <summary>
    /// This test's user may no longer write (NOPERM at the script's first write, so nothing of it
    /// is applied), as a full server refuses with OOM under noeviction; the store maps both to 503.
    /// </summary>
    public override async Task<IAsyncDisposable> FailCompletionsAsync()
    {
        await AdminDb.ExecuteAsync("ACL", "SETUSER", _user, "-@write");
        return new Undo(() => AdminDb.ExecuteAsync("ACL", "SETUSER", _user, "+@write", "-@dangerous", "+config|get", "+info"));
    }

    /// <summary>Moves a node's last beat back in time.</summary>
    public Task AgeNodeAsync(string node, TimeSpan by) => AdminDb.SortedSetIncrementAsync(Prefix + "ns", node, -by.TotalMilliseconds);

    public override async ValueTask DisposeAsync()
    {
        await _store.DisposeAsync();
        var server = Admin.Value.GetServers()[0];
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: Prefix + "*", pageSize: 1000))
            keys.Add(key);
        foreach (var chunk in keys.Chunk(500))
            await AdminDb.KeyDeleteAsync(chunk);
        await AdminDb.ExecuteAsync("ACL", "DELUSER", _user);
    }
}
