using Fjord.Core.Functions;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>Creates or replaces a function's spec, keeping its paused flag.</summary>
internal sealed class PutFunctionOp(FunctionSpec spec) : WriteOp<bool>
{
    private static readonly SqlText Exists = new("SELECT paused FROM functions WHERE name = $name");

    private static readonly SqlText Upsert = new("""
        INSERT INTO functions (name, spec, paused, updated_at) VALUES ($name, $spec, 0, $now)
        ON CONFLICT(name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at
        """);

    public override bool Durable => true;

    public override void Execute(WriteContext context)
    {
        var paused = context.Sql[Exists].Set("$name", spec.Name).Scalar() is long flag ? flag != 0 : (bool?)null;
        var json = StoredSpecs.Write(spec);
        context.Sql[Upsert].Set("$name", spec.Name).Set("$spec", json).Set("$now", context.Now).Run();
        var info = new FunctionInfo(spec.MaxQueueDepth, spec.MaxAge, paused ?? false);
        context.AfterCommit.Add(() => context.Functions.Set(spec.Name, info));
        // Jobs may have been queued before the function existed (or under an older spec).
        context.WakeNextGroup.Add(spec.Name);
        Result = paused is null;
    }
}

/// <summary>Removes a function; its job records stay (they are history, and may still be read).</summary>
internal sealed class DeleteFunctionOp(string name) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("DELETE FROM functions WHERE name = $name");

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        Result = context.Sql[Sql].Set("$name", name).Run() > 0;
        if (Result)
            context.AfterCommit.Add(() => context.Functions.Remove(name));
    }
}

/// <summary>Stops or restarts dispatch. A resume wakes the fetches that were parked while paused.</summary>
internal sealed class SetPausedOp(string name, bool paused) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("UPDATE functions SET paused = $paused, updated_at = $now WHERE name = $name");

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        Result = context.Sql[Sql].Set("$paused", paused ? 1 : 0).Set("$now", context.Now).Set("$name", name).Run() > 0;
        if (!Result)
            return;
        context.AfterCommit.Add(() => context.Functions.SetPaused(name, paused));
        if (!paused)
            context.WakeNextGroup.Add(name);
    }
}

/// <summary>Stores a bundle under its content hash; the same hash twice is a no-op.</summary>
internal sealed class PutBundleOp(string hash, byte[] zip) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("INSERT INTO bundles (hash, zip) VALUES ($hash, $zip) ON CONFLICT(hash) DO NOTHING");

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override int Weight => 1 + zip.Length / (64 * 1024);

    public override void Execute(WriteContext context) =>
        Result = context.Sql[Sql].Set("$hash", hash).Set("$zip", zip).Run() > 0;
}
