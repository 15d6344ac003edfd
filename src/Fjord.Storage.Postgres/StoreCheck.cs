using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>
/// `fjord doctor`'s store line: connects with the connection string the node would use and checks
/// the rights Fjord needs: CREATE in its schema (every node runs the migrations at start) and, once
/// the tables exist, SELECT/INSERT/UPDATE/DELETE on them.
/// </summary>
public static class StoreCheck
{
    /// <returns>Null when the store is reachable with those rights, else what is missing.</returns>
    public static async Task<string?> RunAsync(string store, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            var builder = new NpgsqlConnectionStringBuilder(PgConnectionString.Normalize(store)) { Timeout = Math.Max(1, (int)timeout.TotalSeconds) };
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand(
                """
                SELECT current_user, current_schema(), has_schema_privilege(current_schema(), 'CREATE'),
                       to_regclass('jobs') IS NULL OR has_table_privilege('jobs', 'SELECT,INSERT,UPDATE,DELETE')
                """, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            var user = reader.GetString(0);
            var schema = reader.IsDBNull(1) ? null : reader.GetString(1);
            if (schema is null)
                return $"user {user} has no schema on its search_path (GRANT USAGE, CREATE ON SCHEMA public TO {user})";
            if (!reader.GetBoolean(2))
                return $"user {user} cannot CREATE in schema {schema}, which the migrations need (GRANT CREATE ON SCHEMA {schema} TO {user})";
            if (!reader.GetBoolean(3))
                return $"user {user} cannot read and write Fjord's tables (GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {user})";
            return null;
        }
#pragma warning disable CA1031 // A diagnosis: every failure is the answer, whatever its type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"cannot connect: {e.Message}";
        }
    }
}
