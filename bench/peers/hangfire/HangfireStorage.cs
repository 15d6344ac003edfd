using Hangfire;
using Hangfire.PostgreSql;
using Npgsql;

namespace Fjord.Peers;

/// <summary>The storage both processes open: Hangfire's tables in their own schema of the peers' PostgreSQL.</summary>
internal static class HangfireStorage
{
    private const string Schema = "hangfire_peer";

    public static JobStorage Open(string uri)
    {
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer();
        var options = new PostgreSqlStorageOptions
        {
            SchemaName = Schema,
            // The default (15 s) is how long an idle worker sleeps before it looks again: with the
            // worker idle when the flood starts, it would dominate a run of a few thousand jobs.
            QueuePollInterval = TimeSpan.FromSeconds(1),
        };
        return new PostgreSqlStorage(new Hangfire.PostgreSql.Factories.NpgsqlConnectionFactory(ConnectionString(uri), options), options);
    }

    /// <summary>Drops the schema of a previous run; the storage creates it again when it opens.</summary>
    public static async Task ResetAsync(string uri)
    {
        await using var connection = new NpgsqlConnection(ConnectionString(uri));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {Schema} CASCADE", connection);
        await drop.ExecuteNonQueryAsync();
    }

    /// <summary>postgres://user@host:port/database, as scripts/services.sh writes it, for Npgsql.</summary>
    private static string ConnectionString(string uri)
    {
        var u = new Uri(uri);
        return new NpgsqlConnectionStringBuilder
        {
            Host = u.Host,
            Port = u.Port,
            Username = u.UserInfo.Split(':')[0],
            Database = u.AbsolutePath.Trim('/'),
        }.ConnectionString;
    }
}
