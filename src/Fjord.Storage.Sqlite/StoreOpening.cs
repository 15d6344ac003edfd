using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

/// <summary>What happens at open, before the writer thread starts: recovery, then the in-memory state.</summary>
internal static class StoreOpening
{
    /// <summary>Recovers orphaned jobs and seeds the writer's catalog and queue depths. Returns the recovered job ids.</summary>
    public static List<string> Prepare(SqliteConnection connection, WriteContext context, TimeProvider time)
    {
        LoadCatalog(connection, context.Functions);

        context.Begin(UnixMs.Now(time));
        Schema.Exec(connection, "BEGIN IMMEDIATE");
        List<string> recovered;
        try
        {
            recovered = Reaper.RecoverAll(context);
            Schema.Exec(connection, "COMMIT");
        }
        catch
        {
            Schema.Exec(connection, "ROLLBACK");
            throw;
        }
        context.Committed();
        context.Reset();

        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT function, count(*) FROM jobs WHERE status IN ({JobSql.Waiting}) GROUP BY function";
        using var reader = command.ExecuteReader();
        while (reader.Read())
            context.Depths.Seed(reader.GetString(0), reader.GetInt64(1));
        return recovered;
    }

    private static void LoadCatalog(SqliteConnection connection, FunctionCatalog catalog)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, spec, paused FROM functions";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var name = reader.GetString(0);
            var spec = StoredSpecs.Read(name, reader.GetString(1));
            catalog.Set(name, new FunctionInfo(spec.MaxQueueDepth, spec.MaxAge, reader.GetInt64(2) != 0));
        }
    }
}
