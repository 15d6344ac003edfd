using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>Adds an API key; only the hash of its secret is stored.</summary>
internal sealed class AddKeyOp(ApiKey key, string secretHash) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("""
        INSERT INTO api_keys (id, hash, namespace, scopes, created_at, name, rate_per_second, rate_burst, expires_at)
        VALUES ($id, $hash, $namespace, $scopes, $created, $name, $rate, $burst, $expires)
        """);

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        Insert(context, key, secretHash);
        Result = true;
    }

    internal static void Insert(WriteContext context, ApiKey key, string secretHash) =>
        context.Sql[Sql]
            .Set("$id", key.Id)
            .Set("$hash", secretHash)
            .Set("$namespace", key.Namespace)
            .Set("$scopes", string.Join(',', key.Scopes))
            .Set("$created", UnixMs.From(key.CreatedAt))
            .Set("$name", key.Name)
            .Set("$rate", key.RateLimit?.PerSecond)
            .Set("$burst", key.RateLimit?.Burst)
            .Set("$expires", key.ExpiresAt is { } e ? UnixMs.From(e) : null)
            .Run();
}

/// <summary>Revokes a key: it stays listed in the file (an audit trail) but no longer authenticates.</summary>
internal sealed class RevokeKeyOp(string id) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("UPDATE api_keys SET revoked = 1 WHERE id = $id AND revoked = 0");

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) => Result = Revoke(context, id);

    internal static bool Revoke(WriteContext context, string id) => context.Sql[Sql].Set("$id", id).Run() > 0;
}

/// <summary>Key rotation: the old key revoked and the new one added in one savepoint, or neither.</summary>
internal sealed class ReplaceKeyOp(string oldId, ApiKey key, string secretHash) : WriteOp<bool>
{
    public override bool Durable => true;

    public override void Execute(WriteContext context)
    {
        Result = RevokeKeyOp.Revoke(context, oldId);
        if (Result)
            AddKeyOp.Insert(context, key, secretHash);
    }
}

/// <summary>Last-use times the gateways batch up (at most one write a minute per gateway): never moved back.</summary>
internal sealed class KeyUseOp(IReadOnlyList<KeyUse> uses) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("UPDATE api_keys SET last_used_at = max(coalesce(last_used_at, 0), $at) WHERE id = $id");

    // Losing a last-use time to a power cut costs nothing worth an fsync.
    public override bool Durable => false;

    public override void Execute(WriteContext context)
    {
        var statement = context.Sql[Sql];
        foreach (var use in uses)
            statement.Set("$id", use.Id).Set("$at", UnixMs.From(use.At)).Run();
        Result = true;
    }
}
