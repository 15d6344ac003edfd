namespace Fjord.Storage.Sqlite.Writer;

/// <summary>Runs a pragma on the writer's connection, on the writer's thread (tests use it to fake a full disk).</summary>
internal sealed class PragmaOp(string pragma) : WriteOp<long>
{
    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        using var command = context.Sql.Connection.CreateCommand();
        command.CommandText = pragma;
        Result = command.ExecuteScalar() is long value ? value : 0;
    }
}
