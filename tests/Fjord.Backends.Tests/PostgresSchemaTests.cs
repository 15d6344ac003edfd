using Fjord.Core.Jobs;
using Fjord.Core.Storage;
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

/// <summary>
/// A rolling upgrade on RabbitMQ + PostgreSQL: a node opened on the previous release's schema
/// keeps leasing, acking and taking new work while a newer node migrates the database under it.
/// Both nodes run this build (building the previous release's binary for the suite would cost
/// minutes); what makes the old node's own statements keep working is that every step is additive
/// (new tables, nullable columns, indexes), which this proves for the step of this release, and the
/// broker's messages carry only the job's id in both releases.
/// </summary>
public sealed class RollingUpgradeTests
{
    [Fact]
    public async Task ANodeOnThePreviousSchema_KeepsWorking_WhileANewerNodeMigrates()
    {
        await using var old = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        await old.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        // Back to the previous release's schema: without this release's step.
        await using (var connection = new NpgsqlConnection(old.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"""
                DELETE FROM fjord_schema WHERE version >= {Migrations.Latest};
                DROP TABLE images;
                DROP TABLE image_chunks;
                """, connection);
            await command.ExecuteNonQueryAsync();
        }
        var first = Jobs.New(fn);
        await old.Queue.EnqueueAsync([first], default);
        await using var running = await old.Queue.FetchAsync(fn);

        // The newer node opens the same database and migrates it while the old one holds a lease.
        await using (var newer = await PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = old.ConnectionString }, default))
        {
            var second = Jobs.New(fn);
            await old.Queue.EnqueueAsync([second], default);
            Assert.True(await running.AckAsync(Jobs.Ok(), default));
            await using var next = await old.Queue.FetchAsync(fn);
            Assert.Equal(second.Id, next.Job.Id);
            Assert.True(await next.AckAsync(Jobs.Ok(), default));
            Assert.Equal(JobStatus.Succeeded, (await newer.GetJobAsync(first.Id, default))!.Status);
            Assert.Equal(1, await newer.DeleteEndedAsync(new EndedJobFilter(fn, JobStatus.Succeeded, DateTimeOffset.UtcNow.AddSeconds(5)), 1, default));
            // This release's step (images) is in place for the newer node.
            var bytes = "an image"u8.ToArray();
            var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            Assert.Equal(bytes.Length, (await newer.PutImageAsync(digest, new MemoryStream(bytes), 1024, default)).Size);
        }

        await using var check = new NpgsqlConnection(old.ConnectionString);
        await check.OpenAsync();
        await using var version = new NpgsqlCommand("SELECT max(version) FROM fjord_schema", check);
        Assert.Equal(Migrations.Latest, await version.ExecuteScalarAsync());
    }

    [Fact]
    public async Task ADatabaseOfANewerFjord_IsRefused_WithBothVersionsNamed()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        await using (var connection = new NpgsqlConnection(b.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"INSERT INTO fjord_schema (version) VALUES ({Migrations.Latest + 1})", connection);
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<StoreVersionException>(() => PostgresStore.OpenAsync(new PostgresStoreOptions { ConnectionString = b.ConnectionString }, default));

        Assert.Contains($"schema version {Migrations.Latest + 1}, newer than this fjord knows ({Migrations.Latest})", error.Message, StringComparison.Ordinal);
    }
}
