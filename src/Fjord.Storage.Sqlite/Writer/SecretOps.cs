namespace Fjord.Storage.Sqlite.Writer;

/// <summary>Creates or replaces a sealed secret; every put raises its version (workers compare versions, not values).</summary>
internal sealed class PutSecretOp(string name, byte[] sealedValue, int size) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("""
        INSERT INTO secrets (name, size, version, created_at, updated_at, sealed) VALUES ($name, $size, 1, $now, $now, $sealed)
        ON CONFLICT(name) DO UPDATE SET size = excluded.size, version = secrets.version + 1,
            updated_at = excluded.updated_at, sealed = excluded.sealed
        """);

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        context.Sql[Sql].Set("$name", name).Set("$size", size).Set("$now", context.Now).Set("$sealed", sealedValue).Run();
        Result = true;
    }
}

internal sealed class DeleteSecretOp(string name) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("DELETE FROM secrets WHERE name = $name");

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) => Result = context.Sql[Sql].Set("$name", name).Run() > 0;
}
