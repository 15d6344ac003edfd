using System.Globalization;
using Fjord.Core.Functions;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// Functions (f:NAME hashes: spec, pause flag, and the queue depth limit and maxAge the scripts
/// read). Bundles are in RedisStore.Bundles.cs.
/// </summary>
public sealed partial class RedisStore : IFunctionStore
{
    /// <summary>ARGV: P, name, spec, depth, maxAge ms or ''. 1 when created; keeps an existing pause flag.</summary>
    private static readonly RedisScript PutFunction = new(Lua.Prelude + """
        local k = P..'f:'..ARGV[2]
        local created = redis.call('EXISTS', k) == 0
        redis.call('HSET', k, 'spec', ARGV[3], 'depth', ARGV[4], 'upd', now_ms())
        if ARGV[5] == '' then redis.call('HDEL', k, 'maxage') else redis.call('HSET', k, 'maxage', ARGV[5]) end
        if created then redis.call('HSET', k, 'paused', 0) end
        redis.call('SADD', P..'fset', ARGV[2])
        if created then return 1 end
        return 0
        """);

    /// <summary>ARGV: P, name, 1|0. Resuming wakes the function's fetchers.</summary>
    private static readonly RedisScript SetPaused = new(Lua.Prelude + """
        local k = P..'f:'..ARGV[2]
        if redis.call('EXISTS', k) == 0 then return 0 end
        redis.call('HSET', k, 'paused', ARGV[3], 'upd', now_ms())
        if ARGV[3] == '0' then redis.call('PUBLISH', P..'work', ARGV[2]) end
        return 1
        """);

    public async Task<bool> PutFunctionAsync(FunctionSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return await CompleteAsync(PutFunction, spec.Name, StoredSpecs.Write(spec), spec.MaxQueueDepth,
            spec.MaxAge is { } age ? ((long)age.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) : "");
    }

    public Task<FunctionState?> GetFunctionAsync(string name, CancellationToken cancellationToken) => Guard<FunctionState?>(async () =>
    {
        var h = await Db.HashGetAsync(P + "f:" + name, ["spec", "paused", "upd"]);
        return h[0].IsNull ? null : State(name, h);
    });

    public Task<IReadOnlyList<FunctionState>> ListFunctionsAsync(CancellationToken cancellationToken) => Guard<IReadOnlyList<FunctionState>>(async () =>
    {
        var list = new List<FunctionState>();
        foreach (var name in (await Db.SetMembersAsync(P + "fset")).Select(n => (string)n!).Order(StringComparer.Ordinal))
        {
            if (await GetFunctionAsync(name, cancellationToken) is { } state)
                list.Add(state);
        }
        return list;
    });

    private static FunctionState State(string name, RedisValue[] h) =>
        new(StoredSpecs.Read(name, (string)h[0]!), h[1] == "1", UnixMs.To((long)h[2]));

    public Task<bool> DeleteFunctionAsync(string name, CancellationToken cancellationToken) => Guard<bool>(async () =>
    {
        var batch = Db.CreateTransaction();
        var deleted = batch.KeyDeleteAsync(P + "f:" + name);
        _ = batch.SetRemoveAsync(P + "fset", name);
        await batch.ExecuteAsync();
        return await deleted;
    });

    public Task<bool> SetPausedAsync(string name, bool paused, CancellationToken cancellationToken) =>
        CompleteAsync(SetPaused, name, paused ? "1" : "0");
}
