using System.Globalization;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>API keys: k:ID hashes, kh:HASH naming the key a secret's hash belongs to, kz listing them by creation.</summary>
public sealed partial class RedisStore : IKeyStore
{
    /// <summary>ARGV: P, old id or '', id, hash, namespace, scopes, created, name, per second, burst, expires. 0 when the old key was not live.</summary>
    private static readonly RedisScript AddKey = new(Lua.Prelude + """
        if ARGV[2] ~= '' then
          local old = P..'k:'..ARGV[2]
          local h = redis.call('HMGET', old, 'hash', 'rev')
          if not h[1] or h[2] == '1' then return 0 end
          redis.call('HSET', old, 'rev', 1)
          redis.call('DEL', P..'kh:'..h[1])
          redis.call('ZREM', P..'kz', ARGV[2])
        end
        local k = P..'k:'..ARGV[3]
        redis.call('HSET', k, 'hash', ARGV[4], 'ns', ARGV[5], 'scopes', ARGV[6], 'cat', ARGV[7], 'rev', 0)
        local names = {'name', 'rps', 'rb', 'exp'}
        for i, field in ipairs(names) do
          if ARGV[7 + i] ~= '' then redis.call('HSET', k, field, ARGV[7 + i]) end
        end
        redis.call('SET', P..'kh:'..ARGV[4], ARGV[3])
        redis.call('ZADD', P..'kz', tonumber(ARGV[7]), ARGV[3])
        redis.call('SET', P..'kany', 1)
        return 1
        """);

    /// <summary>ARGV: P, then id, at pairs: last use moves forward only.</summary>
    private static readonly RedisScript KeyUse = new(Lua.Prelude + """
        for i = 2, #ARGV, 2 do
          local k = P..'k:'..ARGV[i]
          if redis.call('EXISTS', k) == 1 then
            local last = tonumber(redis.call('HGET', k, 'lu')) or 0
            if tonumber(ARGV[i + 1]) > last then redis.call('HSET', k, 'lu', ARGV[i + 1]) end
          end
        end
        return 1
        """);

    private static readonly RedisScript Revoke = new(Lua.Prelude + """
        local k = P..'k:'..ARGV[2]
        local h = redis.call('HMGET', k, 'hash', 'rev')
        if not h[1] or h[2] == '1' then return 0 end
        redis.call('HSET', k, 'rev', 1)
        redis.call('DEL', P..'kh:'..h[1])
        redis.call('ZREM', P..'kz', ARGV[2])
        return 1
        """);

    public Task<bool> AnyKeysAsync(CancellationToken cancellationToken) => Guard<bool>(async () => await Db.KeyExistsAsync(P + "kany"));

    public Task AddKeyAsync(ApiKey key, string secretHash, CancellationToken cancellationToken) => ReplaceKeyAsync("", key, secretHash, cancellationToken);

    public Task<bool> ReplaceKeyAsync(string oldId, ApiKey key, string secretHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(secretHash);
        static string Num(long? n) => n?.ToString(CultureInfo.InvariantCulture) ?? "";
        return CompleteAsync(AddKey, oldId, key.Id, secretHash, key.Namespace, string.Join(',', key.Scopes), UnixMs.From(key.CreatedAt),
            key.Name ?? "", Num(key.RateLimit?.PerSecond), Num(key.RateLimit?.Burst), Num(key.ExpiresAt is { } e ? UnixMs.From(e) : null));
    }

    public Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken) => Guard<ApiKey?>(async () =>
        await Db.StringGetAsync(P + "kh:" + secretHash) is { IsNull: false } id ? await GetKeyAsync((string)id!, cancellationToken) : null);

    public Task<ApiKey?> GetKeyAsync(string id, CancellationToken cancellationToken) => Guard<ApiKey?>(async () =>
    {
        var fields = await Db.HashGetAllAsync(P + "k:" + id);
        if (fields.Length == 0)
            return null;
        var h = fields.ToDictionary(f => (string)f.Name!, f => (string?)f.Value, StringComparer.Ordinal);
        if (h.GetValueOrDefault("rev") == "1")
            return null;
        long? Number(string name) => h.TryGetValue(name, out var v) && v is not null ? long.Parse(v, CultureInfo.InvariantCulture) : null;
        return new ApiKey(id, h["ns"]!, h["scopes"]!.Split(',', StringSplitOptions.RemoveEmptyEntries), UnixMs.To(Number("cat")!.Value))
        {
            Name = h.GetValueOrDefault("name"),
            RateLimit = Number("rps") is { } rps ? new KeyRateLimit((int)rps, (int)(Number("rb") ?? rps)) : null,
            ExpiresAt = Number("exp") is { } exp ? UnixMs.To(exp) : null,
            LastUsedAt = Number("lu") is { } lu ? UnixMs.To(lu) : null,
        };
    });

    public Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken) => Guard<IReadOnlyList<ApiKey>>(async () =>
    {
        var keys = new List<ApiKey>();
        foreach (var id in await Db.SortedSetRangeByRankAsync(P + "kz"))
        {
            if (await GetKeyAsync((string)id!, cancellationToken) is { } key)
                keys.Add(key);
        }
        return keys;
    });

    public Task<bool> RevokeKeyAsync(string id, CancellationToken cancellationToken) => CompleteAsync(Revoke, id);

    public async Task RecordKeyUseAsync(IReadOnlyList<KeyUse> uses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uses);
        if (uses.Count > 0)
            await RunAsync(KeyUse, [.. uses.SelectMany(u => new RedisValue[] { u.Id, UnixMs.From(u.At) })]);
    }
}
