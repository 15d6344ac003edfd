using System.Diagnostics;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite;
using Microsoft.Data.Sqlite;

namespace Fjord.Bench;

/// <summary>
/// Issue 16's store housekeeping under intake (`bench/run.sh --only keep`): a store of
/// <c>jobs</c> old succeeded jobs (1 KB payloads: ~1 GB at 1,000,000) is seeded straight into the
/// file, opened, and 8 callers enqueue one job at a time through the store (the writer's group
/// commit, as the gateway's intake calls it) while first nothing, then an online backup, then a
/// retention sweep of every seeded job runs. Intake latency per phase; the store, not HTTP.
/// <c>FJORD_KEEP_VACUUM=none</c> makes the file as stores made before incremental vacuum were
/// (no page is given back after the sweep), for comparing the two under the same load.
/// </summary>
internal static class KeepGroup
{
    public static async Task<List<(LoadResult, string)>> RunAsync(int jobs)
    {
        var folder = Path.Combine(Path.GetTempPath(), "fjord-keep-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "fjord.db");
        var results = new List<(LoadResult, string)>();
        try
        {
            if (Environment.GetEnvironmentVariable("FJORD_KEEP_VACUUM") == "none")
                OlderFile(path);
            // Creates the schema, then the seed goes in beside it in big transactions.
            await (await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }, CancellationToken.None)).DisposeAsync();
            var seeded = Stopwatch.StartNew();
            Seed(path, jobs);
            Console.WriteLine($"keep: seeded {jobs} jobs, {new FileInfo(path).Length / 1048576} MB in {seeded.Elapsed.TotalSeconds:F0} s");

            await using var store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = path }, CancellationToken.None);
            results.Add((await UnderIntakeAsync(store, "keep intake idle", _ => Task.Delay(TimeSpan.FromSeconds(10))), "202/s"));

            var backup = Path.Combine(folder, "backup.db");
            var backupTime = TimeSpan.Zero;
            results.Add((await UnderIntakeAsync(store, "keep intake during backup", async _ =>
            {
                var clock = Stopwatch.StartNew();
                await store.BackupAsync(backup, CancellationToken.None);
                backupTime = clock.Elapsed;
            }), "202/s"));
            Console.WriteLine($"keep: backup of {new FileInfo(path).Length / 1048576} MB took {backupTime.TotalSeconds:F1} s");
            File.Delete(backup);

            long deleted = 0;
            var sweepTime = TimeSpan.Zero;
            results.Add((await UnderIntakeAsync(store, "keep intake during sweep", async _ =>
            {
                var clock = Stopwatch.StartNew();
                // The sweeper's own loop and pause (GatewayOptions.RetentionChunkPause).
                deleted = await RetentionChunks.DeleteAllAsync(store, "old", JobStatus.Succeeded, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(5), CancellationToken.None);
                sweepTime = clock.Elapsed;
            }), "202/s"));
            Console.WriteLine($"keep: swept {deleted} jobs in {sweepTime.TotalSeconds:F1} s ({deleted / sweepTime.TotalSeconds:F0} jobs/s)");
            await Task.Delay(TimeSpan.FromSeconds(10));
            Console.WriteLine($"keep: 10 s after the sweep fjord.db is {new FileInfo(path).Length / 1048576} MB, {Pragma(path, "freelist_count")} free pages, auto_vacuum {Pragma(path, "auto_vacuum")}");
            results.Add((new LoadResult("keep sweep jobs/s", (int)deleted, sweepTime, [], deleted == jobs ? 0 : 1), "jobs/s"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
        return results;
    }

    /// <summary>
    /// The sweep on PostgreSQL (`bench/run.sh --only keep-pg`): <paramref name="jobs"/> old succeeded
    /// jobs (1 KB payloads, an attempt each) seeded by one INSERT … SELECT into a fresh database of
    /// the bench's private PostgreSQL, then 8 callers enqueue through the store's ledger (the job row
    /// and its outbox row in one statement, intake's write; no broker) while nothing else runs, then
    /// while the sweeper's loop deletes every seeded job (bounded DELETE chunks, 5 ms pause).
    /// </summary>
    public static async Task<List<(LoadResult, string)>> RunPostgresAsync(string root, int jobs)
    {
        var results = new List<(LoadResult, string)>();
        await using var services = await BenchServices.StartAsync(root);
        var uri = await services.CreateDatabaseAsync("keep_" + Guid.NewGuid().ToString("N")[..8]);
        await using var store = await Fjord.Storage.Postgres.PostgresStore.OpenAsync(new Fjord.Storage.Postgres.PostgresStoreOptions { ConnectionString = uri }, CancellationToken.None);
        var seeded = Stopwatch.StartNew();
        var then = DateTimeOffset.UtcNow.AddDays(-60).ToUnixTimeMilliseconds();
        // 1 KB payloads: rows stay below TOAST's 2 KB threshold, stored inline and uncompressed as intake stores them.
        // Each -c is its own transaction: VACUUM cannot run inside one.
        await ChildProcess.RunAsync("psql", [uri, "-q", "-v", "ON_ERROR_STOP=1", "-c", $"""
            INSERT INTO jobs (id, function, status, attempt, max_attempts, created_at, run_at, started_at, finished_at, node, content_type, payload, result)
            SELECT lpad(to_hex(t), 12, '0') || '7000' || lpad(to_hex(g), 16, '0'), 'old', 3, 1, 3, t, t, t, t, 'seed', 'application/octet-stream',
                   convert_to(repeat(md5(g::text), 32), 'UTF8') || convert_to(md5((g + 1)::text), 'UTF8'), '\x6f6b'::bytea
            FROM (SELECT g, {then} + g / 10 AS t FROM generate_series(0, {jobs - 1}) g) s
            """, "-c", """
            INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, log)
            SELECT id, 1, started_at, finished_at, 'seed', 'succeeded', 'ok' FROM jobs WHERE function = 'old'
            """, "-c", "VACUUM ANALYZE jobs", "-c", "VACUUM ANALYZE attempts"]);
        Console.WriteLine($"keep-pg: seeded {jobs} jobs in {seeded.Elapsed.TotalSeconds:F0} s");

        results.Add((await UnderIntakeAsync(job => store.Ledger.EnqueueAsync([job], CancellationToken.None), "keep-pg intake idle", _ => Task.Delay(TimeSpan.FromSeconds(10))), "202/s"));
        long deleted = 0;
        var sweepTime = TimeSpan.Zero;
        results.Add((await UnderIntakeAsync(job => store.Ledger.EnqueueAsync([job], CancellationToken.None), "keep-pg intake during sweep", async _ =>
        {
            var clock = Stopwatch.StartNew();
            deleted = await RetentionChunks.DeleteAllAsync(store, "old", JobStatus.Succeeded, DateTimeOffset.UtcNow, TimeSpan.FromMilliseconds(5), CancellationToken.None);
            sweepTime = clock.Elapsed;
        }), "202/s"));
        Console.WriteLine($"keep-pg: swept {deleted} jobs in {sweepTime.TotalSeconds:F1} s ({deleted / sweepTime.TotalSeconds:F0} jobs/s)");
        results.Add((new LoadResult("keep-pg sweep jobs/s", (int)deleted, sweepTime, [], deleted == jobs ? 0 : 1), "jobs/s"));
        return results;
    }

    private static long Pragma(string path, string name)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA " + name;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A file with a table already in it: the store's auto_vacuum setting no longer applies (NONE, as older stores).</summary>
    private static void OlderFile(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE IF NOT EXISTS meta (key TEXT NOT NULL PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID";
        command.ExecuteNonQuery();
    }

    /// <summary>Old succeeded jobs of function "old" with a 1 KB payload, an attempt each.</summary>
    private static void Seed(string path, int count)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        var payload = new byte[1000];
        Random.Shared.NextBytes(payload);
        var then = DateTimeOffset.UtcNow.AddDays(-60).ToUnixTimeMilliseconds();
        for (var done = 0; done < count;)
        {
            using var transaction = connection.BeginTransaction();
            using var job = connection.CreateCommand();
            job.CommandText = """
                INSERT INTO jobs (id, function, status, attempt, max_attempts, created_at, run_at, started_at, finished_at, node, content_type, payload, result)
                VALUES ($id, 'old', 3, 1, 3, $t, $t, $t, $t, 'seed', 'application/octet-stream', $payload, x'6f6b')
                """;
            var id = job.Parameters.Add("$id", SqliteType.Text);
            var at = job.Parameters.Add("$t", SqliteType.Integer);
            job.Parameters.AddWithValue("$payload", payload);
            using var attempt = connection.CreateCommand();
            attempt.CommandText = "INSERT INTO attempts (job_id, number, started_at, finished_at, node, outcome, log) VALUES ($id, 1, $t, $t, 'seed', 'succeeded', 'ok')";
            var attemptId = attempt.Parameters.Add("$id", SqliteType.Text);
            var attemptAt = attempt.Parameters.Add("$t", SqliteType.Integer);
            for (var i = 0; i < 50_000 && done < count; i++, done++)
            {
                var ms = then + done / 10;
                id.Value = $"{ms:x12}7000{done:x16}";
                at.Value = ms;
                job.ExecuteNonQuery();
                attemptId.Value = id.Value;
                attemptAt.Value = ms;
                attempt.ExecuteNonQuery();
            }
            transaction.Commit();
        }
    }

    /// <summary>8 callers enqueue one job at a time until <paramref name="work"/> ends; the latency of each enqueue.</summary>
    private static Task<LoadResult> UnderIntakeAsync(SqliteStore store, string name, Func<CancellationToken, Task> work) =>
        UnderIntakeAsync(job => store.EnqueueAsync([job], CancellationToken.None), name, work);

    private static async Task<LoadResult> UnderIntakeAsync(Func<NewJob, Task> enqueue, string name, Func<CancellationToken, Task> work)
    {
        using var stop = new CancellationTokenSource();
        var latencies = new System.Collections.Concurrent.ConcurrentBag<long>();
        var errors = 0;
        var clock = Stopwatch.StartNew();
        var callers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            var payload = new byte[200];
            while (!stop.IsCancellationRequested)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await enqueue(new NewJob { Id = JobId.New(), Function = "new", Payload = payload, MaxAttempts = 1, CreatedAt = DateTimeOffset.UtcNow });
                    latencies.Add(Stopwatch.GetTimestamp() - start);
                }
                catch (Exception) when (!stop.IsCancellationRequested)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })).ToArray();
        await work(stop.Token);
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        return new LoadResult(name, latencies.Count, clock.Elapsed, [.. latencies], errors);
    }
}
