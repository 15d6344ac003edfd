using System.Diagnostics;
using Fjord.Core.Jobs;
using Fjord.Queue.RabbitMq;
using Fjord.Storage.Postgres;
using Fjord.Tests.Shared;
using Npgsql;

namespace Fjord.Backends.Tests;

/// <summary>
/// TLS to both servers, verified: amqps:// and PostgreSQL's SSL Mode=VerifyFull against the
/// private servers' TLS listeners (scripts/services.sh), whose certificate a CA of their own
/// signed. Trusting that CA, a job makes the whole trip; trusting a CA this test makes, nothing connects.
/// </summary>
public sealed class TlsTests
{
    [Fact]
    public async Task Cluster_OverVerifiedTls_RunsAJob()
    {
        var (database, _) = await Databases.CreateAsync();
        try
        {
            var store = await PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = StoreUri(database, Services.TlsCa) }, CancellationToken.None);
            await using (store)
            {
                await using var queue = await RabbitMqQueue.StartAsync(new RabbitMqQueueOptions
                {
                    BrokerUri = BrokerUri(Services.TlsCa),
                    RelayInterval = TimeSpan.FromMilliseconds(200),
                }, store.Ledger, CancellationToken.None);
                Assert.True((await queue.CheckAsync(default)).Ready, (await queue.CheckAsync(default)).Detail);

                var fn = Jobs.NewFunction();
                var job = Jobs.New(fn, "over tls");
                await queue.EnqueueAsync([job], default);
                await using (var lease = await queue.FetchAsync(fn))
                    Assert.True(await lease.AckAsync(Jobs.Ok(), default));
                Assert.Equal(JobStatus.Succeeded, (await store.GetJobAsync(job.Id, default))!.Status);

                await using var command = store.DataSource.CreateCommand("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()");
                Assert.Equal(true, await command.ExecuteScalarAsync());
            }
        }
        finally
        {
            await Databases.DropAsync(database);
        }
    }

    [Fact]
    public async Task BothServers_UnderACaTheTestMade_AreRefused()
    {
        var folder = Directory.CreateTempSubdirectory("fjord-tls-").FullName;
        try
        {
            var otherCa = await ForeignCaAsync(folder);

            var (database, _) = await Databases.CreateAsync();
            try
            {
                var refused = await Assert.ThrowsAnyAsync<Exception>(() =>
                    PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = StoreUri(database, otherCa) }, CancellationToken.None));
                Assert.Contains("certificate", refused.ToString(), StringComparison.OrdinalIgnoreCase);

                // The store itself over verified TLS, so only the broker's trust differs.
                await using var store = await PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = StoreUri(database, Services.TlsCa) }, CancellationToken.None);
                await using var queue = await RabbitMqQueue.StartAsync(new RabbitMqQueueOptions { BrokerUri = BrokerUri(otherCa) }, store.Ledger, CancellationToken.None);
                var readiness = await queue.CheckAsync(default);
                Assert.False(readiness.Ready);
            }
            finally
            {
                await Databases.DropAsync(database);
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A CA of the test's own in <paramref name="folder"/>: not the one that signed the servers' certificate.</summary>
    internal static async Task<string> ForeignCaAsync(string folder)
    {
        var ca = Path.Combine(folder, "ca.pem");
        using var openssl = Process.Start("openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
            "-subj", "/CN=not the servers' CA", "-keyout", Path.Combine(folder, "ca.key"), "-out", ca])!;
        await openssl.WaitForExitAsync();
        Assert.Equal(0, openssl.ExitCode);
        return ca;
    }

    /// <summary>The broker's TLS listener by host name, trusting <paramref name="ca"/>.</summary>
    private static string BrokerUri(string ca) => Services.BrokerTlsUri + "?cacertfile=" + Uri.EscapeDataString(ca);

    /// <summary>The test's database by host name (the certificate names localhost), as libpq spells TLS in a URI.</summary>
    private static string StoreUri(string database, string ca)
    {
        var admin = new NpgsqlConnectionStringBuilder(PgConnectionString.Normalize(Services.StoreUri));
        return $"postgres://{admin.Username}@localhost:{admin.Port}/{database}?sslmode=verify-full&sslrootcert={Uri.EscapeDataString(ca)}";
    }
}
