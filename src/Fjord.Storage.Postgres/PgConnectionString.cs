using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>
/// Turns a store URI into an Npgsql connection string (TLS as libpq spells it in a URI:
/// <c>postgres://…/fjord?sslmode=verify-full&amp;sslrootcert=/etc/fjord/ca.pem</c>, or Npgsql's
/// <c>SSL Mode=VerifyFull;Root Certificate=…</c>) with a timeout on everything: connecting,
/// every command, and TCP keepalives so a silently dead link is noticed instead of hanging.
/// </summary>
public static class PgConnectionString
{
    public static string Normalize(string uriOrConnectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(uriOrConnectionString);
        var builder = uriOrConnectionString.StartsWith("postgres://", StringComparison.OrdinalIgnoreCase)
            || uriOrConnectionString.StartsWith("postgresql://", StringComparison.OrdinalIgnoreCase)
            ? FromUri(new Uri(uriOrConnectionString))
            : new NpgsqlConnectionStringBuilder(uriOrConnectionString);

        if (!Has(uriOrConnectionString, "Timeout"))
            builder.Timeout = 5;
        if (!Has(uriOrConnectionString, "Command Timeout"))
            builder.CommandTimeout = 15;
        if (!Has(uriOrConnectionString, "Keepalive"))
            builder.KeepAlive = 5;
        if (!Has(uriOrConnectionString, "Cancellation Timeout"))
            builder.CancellationTimeout = 2000;
        // No session state is kept on pooled connections (the migration lock is per transaction;
        // LISTEN has its own unpooled connection), so skip DISCARD ALL on every return to the
        // pool and keep hot statements prepared: measured 1.8-2.0x end-to-end on RabbitMQ +
        // PostgreSQL (bench/run.sh --only rabbit), where every job borrowed a connection 4 times.
        if (!Has(uriOrConnectionString, "No Reset On Close") && !Has(uriOrConnectionString, "No_Reset_On_Close"))
            builder.NoResetOnClose = true;
        if (!Has(uriOrConnectionString, "Max Auto Prepare") && !Has(uriOrConnectionString, "Max_Auto_Prepare"))
            builder.MaxAutoPrepare = 32;
        builder.ApplicationName ??= "fjord";
        return builder.ConnectionString;
    }

    private static bool Has(string text, string key) => text.Contains(key + "=", StringComparison.OrdinalIgnoreCase);

    private static NpgsqlConnectionStringBuilder FromUri(Uri uri)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } db ? db : "postgres",
        };
        if (uri.UserInfo is { Length: > 0 } info)
        {
            var colon = info.IndexOf(':', StringComparison.Ordinal);
            builder.Username = Uri.UnescapeDataString(colon < 0 ? info : info[..colon]);
            if (colon >= 0)
                builder.Password = Uri.UnescapeDataString(info[(colon + 1)..]);
        }
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                continue;
            var key = Uri.UnescapeDataString(pair[..eq]);
            var value = Uri.UnescapeDataString(pair[(eq + 1)..]);
            // libpq's names, as a postgres:// URI carries them elsewhere: sslmode=verify-full, sslrootcert=…
            switch (key)
            {
                case "sslmode":
                    builder.SslMode = Enum.Parse<SslMode>(value.Replace("-", "", StringComparison.Ordinal), ignoreCase: true);
                    break;
                case "sslrootcert":
                    builder.RootCertificate = value;
                    break;
                default:
                    builder[key.Replace('_', ' ')] = value;
                    break;
            }
        }
        return builder;
    }
}
