using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Tests;

/// <summary>
/// Stores as released Fjords wrote them (Fixtures/store-schema-N.sql, made by make-fixture.py
/// from that release's Schema.cs), opened by this build: migrated forward, nothing lost, and a
/// store from a newer Fjord refused.
/// </summary>
public sealed class SchemaFixtureTests
{
    private const string Running = "019ab0000000700080000000000000a2";
    private const string Succeeded = "019ab0000000700080000000000000a3";

    /// <summary>A store file built from a fixture's SQL.</summary>
    internal static string FromFixture(TempFolder folder, int version)
    {
        var path = Path.Combine(folder.Path, "fjord.db");
        var sql = File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Fixtures", $"store-schema-{version}.sql"));
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        return path;
    }

    private static long Pragma(string path, string sql)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    [Fact]
    public async Task StoreOfSchema1_IsMigratedToTheCurrentVersion_KeepingEveryRecord()
    {
        using var folder = new TempFolder();
        var path = FromFixture(folder, 1);
        Assert.Equal(1, Pragma(path, "PRAGMA user_version"));

        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }, CancellationToken.None))
        {
            var done = await store.GetJobAsync(Succeeded, CancellationToken.None);
            Assert.Equal(JobStatus.Succeeded, done!.Status);
            Assert.Equal("ok", System.Text.Encoding.UTF8.GetString((await store.GetResultAsync(Succeeded, CancellationToken.None))!.Body));
            Assert.Equal("log of a3", await store.GetLogAsync(Succeeded, CancellationToken.None));
            Assert.Equal("admin", (await store.FindBySecretHashAsync("hash-of-admin", CancellationToken.None))!.Name);
            Assert.Equal(2, (await store.GetFunctionAsync("resize", CancellationToken.None))!.Spec.Concurrency);

            // The job the old node was running is taken back at open, as after a crash.
            var recovered = await store.GetJobAsync(Running, CancellationToken.None);
            Assert.NotEqual(JobStatus.Running, recovered!.Status);
            Assert.Equal("crash", recovered.Attempts[^1].Error?.Kind.ToString().ToLowerInvariant());

            // The retention step's index is there and answers the sweeper.
            Assert.Equal(1, await store.DeleteEndedAsync(new EndedJobFilter("resize", JobStatus.Succeeded, DateTimeOffset.UtcNow), 10, CancellationToken.None));
            Assert.True(await store.WasDeletedAsync(Succeeded, CancellationToken.None));
        }
        Assert.Equal(Schema.Version, Pragma(path, "PRAGMA user_version"));
        Assert.Equal(1, Pragma(path, "SELECT count(*) FROM sqlite_master WHERE name = 'jobs_ended'"));
        Assert.Equal(0, Pragma(path, "SELECT count(*) FROM callbacks WHERE job_id = '" + Succeeded + "'"));
    }

    [Fact]
    public async Task StoreOfSchema3_IsMigrated_AndStoresImages()
    {
        using var folder = new TempFolder();
        var path = FromFixture(folder, 3);
        Assert.Equal(0, Pragma(path, "SELECT count(*) FROM sqlite_master WHERE name = 'images'"));

        await using (var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }, CancellationToken.None))
        {
            Assert.Equal(2, (await store.GetFunctionAsync("resize", CancellationToken.None))!.Spec.Concurrency);
            var bytes = "an image archive"u8.ToArray();
            var digest = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
            var stored = await store.PutImageAsync(digest, new MemoryStream(bytes), 1024, CancellationToken.None);
            Assert.Equal(bytes.Length, stored.Size);
        }
        Assert.Equal(Schema.Version, Pragma(path, "PRAGMA user_version"));
        Assert.Equal(1, Pragma(path, "SELECT count(*) FROM images"));
    }

    [Fact]
    public async Task StoreOfANewerFjord_IsRefused_WithBothVersionsNamed_AndLeftUntouched()
    {
        using var folder = new TempFolder();
        var path = FromFixture(folder, 1);
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"PRAGMA user_version = {Schema.Version + 1}";
            command.ExecuteNonQuery();
        }

        var error = await Assert.ThrowsAsync<StoreVersionException>(() => SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }, CancellationToken.None));
        Assert.Contains($"schema version {Schema.Version + 1}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"({Schema.Version})", error.Message, StringComparison.Ordinal);
        Assert.Equal(Schema.Version + 1, Pragma(path, "PRAGMA user_version"));
        Assert.Equal(2, Pragma(path, $"SELECT status FROM jobs WHERE id = '{Running}'"));
        Assert.Throws<StoreVersionException>(() => SqliteRestore.Check(path));
    }
}
