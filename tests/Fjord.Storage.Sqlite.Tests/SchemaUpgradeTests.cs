using Fjord.Core.Jobs;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class SchemaUpgradeTests
{
    [Fact]
    public async Task OpenAsync_AddsNewColumnsAndTables_ToAFileOfTheFirstSchema()
    {
        using var folder = new TempFolder();
        // The jobs table as the first release wrote it: no requeued_at, no callback tables.
        var path = FileOfTheFirstSchema(folder, """
                CREATE TABLE jobs (id TEXT NOT NULL, function TEXT NOT NULL, status INTEGER NOT NULL,
                    attempt INTEGER NOT NULL DEFAULT 0, max_attempts INTEGER NOT NULL, created_at INTEGER NOT NULL,
                    run_at INTEGER NOT NULL, started_at INTEGER, finished_at INTEGER, lease_token INTEGER,
                    lease_expires INTEGER, node TEXT, sync INTEGER NOT NULL DEFAULT 0, content_type TEXT,
                    callback_url TEXT, error_kind TEXT, error_message TEXT, error_exit_code INTEGER,
                    result_content_type TEXT, payload BLOB NOT NULL, result BLOB);
                INSERT INTO jobs (id, function, status, max_attempts, created_at, run_at, payload)
                    VALUES ('0123456789abcdef0123456789abcdef', 'f', 0, 3, 0, 0, x'78');
                PRAGMA user_version = 1;
                """);

        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }, CancellationToken.None);
        await using var lease = await store.FetchAsync("f", "node-a", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(15));
        Assert.True(await lease.DeadLetterAsync(AttemptOutcome.Failure(new JobError(ErrorKind.Exit, "x"), "", DateTimeOffset.UtcNow), CancellationToken.None));

        Assert.Equal(1, await store.RetryDeadLettersAsync(new Core.Storage.DeadLetterFilter(), CancellationToken.None));
        Assert.Equal(JobStatus.Queued, (await store.GetJobAsync("0123456789abcdef0123456789abcdef", CancellationToken.None))!.Status);
    }

    [Fact]
    public async Task OpenAsync_AddsTheKeyColumns_ToAFileOfTheFirstSchema_KeepingItsKeys()
    {
        using var folder = new TempFolder();
        // The api_keys table as the first release wrote it: no name, limit, expiry or last use.
        var path = FileOfTheFirstSchema(folder, """
                CREATE TABLE api_keys (id TEXT NOT NULL PRIMARY KEY, hash TEXT NOT NULL UNIQUE, namespace TEXT NOT NULL,
                    scopes TEXT NOT NULL, created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
                INSERT INTO api_keys (id, hash, namespace, scopes, created_at) VALUES ('admin', 'h-admin', '*', 'admin', 1700000000000);
                PRAGMA user_version = 1;
                """);

        await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }, CancellationToken.None);
        var admin = await store.FindBySecretHashAsync("h-admin", CancellationToken.None);
        await store.AddKeyAsync(new Core.Storage.ApiKey("k1", "shop", ["invoke"], DateTimeOffset.UtcNow) { Name = "web", RateLimit = new Core.Storage.KeyRateLimit(5, 10) }, "h-web", CancellationToken.None);
        await store.RecordKeyUseAsync([new Core.Storage.KeyUse("admin", DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000))], CancellationToken.None);

        Assert.Equal(["admin"], admin!.Scopes);
        Assert.Null(admin.Name);
        Assert.Null(admin.RateLimit);
        Assert.Equal(new Core.Storage.KeyRateLimit(5, 10), (await store.GetKeyAsync("k1", CancellationToken.None))!.RateLimit);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1_800_000_000_000), (await store.GetKeyAsync("admin", CancellationToken.None))!.LastUsedAt);
    }

    /// <summary>A store file made by <paramref name="sql"/> (tables as an older release wrote them), at schema 1.</summary>
    private static string FileOfTheFirstSchema(TempFolder folder, string sql)
    {
        var path = Path.Combine(folder.Path, "fjord.db");
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
        return path;
    }
}
