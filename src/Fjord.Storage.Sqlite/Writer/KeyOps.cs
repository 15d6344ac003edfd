using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>Adds an API key; only the hash of its secret is stored.</summary>
internal sealed class AddKeyOp(ApiKey key, string secretHash) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("""
        INSERT INTO api_keys (id, hash, namespace, scopes, created_at) VALUES ($id, $hash, $namespace, $scopes, $created)
        """);

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        context.Sql[Sql]
            .Set("$id", key.Id)
            .Set("$hash", secretHash)
            .Set("$namespace", key.Namespace)
            .Set("$scopes", string.Join(',', key.Scopes))
            .Set("$created", UnixMs.From(key.CreatedAt))
            .Run();
        Result = true;
    }
}

/// <summary>Revokes a key: it stays listed in the file (an audit trail) but no longer authenticates.</summary>
internal sealed class RevokeKeyOp(string id) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("UPDATE api_keys SET revoked = 1 WHERE id = $id AND revoked = 0");

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) => Result = context.Sql[Sql].Set("$id", id).Run() > 0;
}
