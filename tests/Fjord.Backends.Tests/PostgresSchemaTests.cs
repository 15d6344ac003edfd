using Fjord.Storage.Postgres;
using Npgsql;

namespace Fjord.Backends.Tests;

/// <summary>Schema steps applied to a database an older Fjord made, not only to fresh ones.</summary>
public sealed class PostgresSchemaTests
{
    [Fact]
    public async Task CountersFromBeforeTheShards_KeepTheirTotals_AndNewCompletionsAddToThem()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);

        // Back to the schema before the shard step (step 3; later steps are idempotent and run again): one totals row per function, with history.
        await using (var connection = new NpgsqlConnection(b.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                DELETE FROM fjord_schema WHERE version >= 3; -- the shard step (3) and every later one
                ALTER TABLE counters DROP CONSTRAINT counters_pkey;
                ALTER TABLE counters DROP COLUMN shard;
                ALTER TABLE counters ADD PRIMARY KEY (function);
                INSERT INTO counters (function, succeeded, failed) VALUES ('{fn}', 40, 2);
                """, connection);
            await command.ExecuteNonQueryAsync();
        }

        // A node of this build opening the database applies the step again.
        await using (await PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = b.ConnectionString }, default))
        {
        }

        var ok = Jobs.New(fn);
        var bad = Jobs.New(fn);
        await b.Queue.EnqueueAsync([ok, bad], default);
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.True(lease.Job.Id == ok.Id
                ? await lease.AckAsync(Jobs.Ok(), default)
                : await lease.DeadLetterAsync(Jobs.Failed(), default));
        }

        var stats = Assert.Single(await b.Monitor.GetQueuesAsync(default), q => q.Name == fn);
        Assert.Equal(41, stats.Succeeded);
        Assert.Equal(3, stats.Failed);
    }
}
