using Fjord.Core.Storage;

namespace Fjord.Storage.Redis;

/// <summary>Secrets, sealed by the gateway before they arrive: s:NAME hashes (sealed bytes, size, version, dates).</summary>
public sealed partial class RedisStore : ISecretStore
{
    /// <summary>ARGV: P, name, sealed, size.</summary>
    private static readonly RedisScript PutSecret = new(Lua.Prelude + """
        local k = P..'s:'..ARGV[2]
        local t = now_ms()
        redis.call('HSETNX', k, 'cat', t)
        redis.call('HINCRBY', k, 'ver', 1)
        redis.call('HSET', k, 'v', ARGV[3], 'size', ARGV[4], 'uat', t)
        redis.call('SADD', P..'sset', ARGV[2])
        return 1
        """);

    public Task PutSecretAsync(string name, byte[] sealedValue, int size, CancellationToken cancellationToken) =>
        RunAsync(PutSecret, name, sealedValue, size);

    public Task<IReadOnlyList<SealedSecret>> GetSecretsAsync(IReadOnlyList<string> names, CancellationToken cancellationToken) => Guard<IReadOnlyList<SealedSecret>>(async () =>
    {
        ArgumentNullException.ThrowIfNull(names);
        var list = new List<SealedSecret>();
        foreach (var name in names)
        {
            if (await Db.HashGetAsync(P + "s:" + name, "v") is { IsNull: false } value)
                list.Add(new SealedSecret(name, (byte[])value!));
        }
        return list;
    });

    public Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken) => Guard<IReadOnlyList<SecretInfo>>(async () =>
    {
        var list = new List<SecretInfo>();
        foreach (var name in (await Db.SetMembersAsync(P + "sset")).Select(n => (string)n!).Order(StringComparer.Ordinal))
        {
            var h = await Db.HashGetAsync(P + "s:" + name, ["size", "ver", "cat", "uat"]);
            if (h[0].IsNull)
                continue;
            list.Add(new SecretInfo(name, (int)h[0], (long)h[1], UnixMs.To((long)h[2]), UnixMs.To((long)h[3])));
        }
        return list;
    });

    public Task<bool> DeleteSecretAsync(string name, CancellationToken cancellationToken) => Guard<bool>(async () =>
    {
        var tx = Db.CreateTransaction();
        var deleted = tx.KeyDeleteAsync(P + "s:" + name);
        _ = tx.SetRemoveAsync(P + "sset", name);
        await tx.ExecuteAsync();
        return await deleted;
    });
}
