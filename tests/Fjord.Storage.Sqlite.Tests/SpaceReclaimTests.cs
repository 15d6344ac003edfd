using System.Diagnostics;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Tests;

/// <summary>
/// The store gives disk space back (issue 16): a file this build makes is auto_vacuum =
/// INCREMENTAL, the writer returns the pages a sweep freed a few at a time, and the WAL is
/// emptied once that is done or the store is quiet, without ever waiting on a reader.
/// </summary>
public sealed class SpaceReclaimTests
{
    private static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task SweepOfManyEndedJobs_ShrinksTheFile_AndEmptiesTheWal()
    {
        // No quiet checkpoint: the WAL is emptied by the reclaim's own end, nothing else.
        await using var h = await StoreHarness.OpenAsync(o => o with { QuietCheckpoint = TimeSpan.FromHours(1) });
        Assert.Equal(2, h.Count("PRAGMA auto_vacuum"));
        await EndJobsAsync(h, 150, new string('p', 30_000));
        var full = h.Count("PRAGMA page_count");
        Assert.True(full > 1000, $"{full} pages before the sweep");

        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(150, await RetentionChunks.DeleteAllAsync(h.Store, "f", JobStatus.Succeeded, h.Time.GetUtcNow(), TimeSpan.Zero, CancellationToken.None));

        // The deleted jobs' pages leave the file (not only its free list), in reap rounds.
        await WaitForAsync(() => h.Count("PRAGMA freelist_count") == 0 && h.Count("PRAGMA page_count") < full / 10, "the free pages given back");
        await WaitForAsync(() => Length(h.DbPath + "-wal") == 0, "the WAL emptied after the reclaim");
        Assert.True(Length(h.DbPath) < full * 4096 / 10, $"fjord.db is {Length(h.DbPath)} bytes, was {full} pages");

        // The store goes on working in the smaller file.
        await EndJobsAsync(h, 3, "again");
        Assert.Equal(3, h.Count("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task QuietStore_EmptiesItsWal_ButNeverMakesAWriteWaitForAReader()
    {
        await using var h = await StoreHarness.OpenAsync(o => o with { QuietCheckpoint = Quiet });
        await h.EnqueueAsync(payload: new string('q', 50_000));
        await WaitForAsync(() => Length(h.DbPath + "-wal") == 0, "the WAL emptied when quiet");

        // A reader on an old snapshot (a backup, say) keeps the WAL from being emptied; the
        // writer's attempts do not wait for it (busy_timeout would make each wait 5 s).
        using var reader = new SqliteConnection($"Data Source={h.DbPath};Mode=ReadOnly;Pooling=False");
        reader.Open();
        using (var begin = reader.CreateCommand())
        {
            begin.CommandText = "BEGIN";
            begin.ExecuteNonQuery();
            begin.CommandText = "SELECT count(*) FROM jobs";
            Assert.Equal(1L, begin.ExecuteScalar());
        }
        await h.EnqueueAsync(payload: new string('q', 50_000));
        await Task.Delay(Quiet * 4);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(Quiet * 2);
            await h.EnqueueAsync();
        }
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4) + (Quiet * 10), $"five enqueues beside a held reader took {clock.Elapsed}");
        Assert.True(Length(h.DbPath + "-wal") > 0, "the WAL was emptied under a reader's snapshot");

        using (var end = reader.CreateCommand())
        {
            end.CommandText = "COMMIT";
            end.ExecuteNonQuery();
        }
        await WaitForAsync(() => Length(h.DbPath + "-wal") == 0, "the WAL emptied once the reader left");
        Assert.Equal(7, h.Count("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task StoreMadeBeforeIncrementalVacuum_KeepsItsMode_ReusesFreedPages_AndIsConvertedOffline()
    {
        using var folder = new TempFolder();
        var path = SchemaFixtureTests.FromFixture(folder, 3);
        var time = new ManualTime();
        var options = new SqliteStoreOptions { Path = path, Time = time, ReapInterval = TimeSpan.FromMilliseconds(50) };
        var store = await SqliteStore.OpenAsync(options, CancellationToken.None);
        var payload = System.Text.Encoding.UTF8.GetBytes(new string('o', 30_000));

        async Task<long> RoundAsync()
        {
            var jobs = Enumerable.Range(0, 40).Select(_ => new NewJob
            {
                Id = JobId.New(),
                Function = "old",
                Payload = payload,
                ContentType = "text/plain",
                MaxAttempts = 1,
                CreatedAt = time.GetUtcNow(),
            }).ToList();
            await store.EnqueueAsync(jobs, CancellationToken.None);
            for (var i = 0; i < jobs.Count; i++)
            {
                await using var lease = await store.FetchAsync("old", "node-a", CancellationToken.None).WaitAsync(StoreHarness.Patience);
                Assert.True(await lease.AckAsync(AttemptOutcome.Success("ok"u8.ToArray(), "text/plain", "", time.GetUtcNow()), CancellationToken.None));
            }
            time.Advance(TimeSpan.FromHours(1));
            Assert.Equal(40, await RetentionChunks.DeleteAllAsync(store, "old", JobStatus.Succeeded, time.GetUtcNow(), TimeSpan.Zero, CancellationToken.None));
            return await store.RunWriterPragmaAsync("PRAGMA page_count");
        }

        var first = await RoundAsync();
        Assert.Equal(0, await store.RunWriterPragmaAsync("PRAGMA auto_vacuum"));
        Assert.True(await store.RunWriterPragmaAsync("PRAGMA freelist_count") > 300, "a sweep frees pages");
        for (var round = 0; round < 3; round++)
        {
            var pages = await RoundAsync();
            Assert.True(pages <= first, $"round {round + 2}: {pages} pages, after the first {first}");
        }

        // The conversion docs/operations.md gives, with the node stopped; then it gives back too.
        await store.DisposeAsync();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "PRAGMA auto_vacuum = INCREMENTAL; VACUUM;";
            command.ExecuteNonQuery();
        }
        await using (store = await SqliteStore.OpenAsync(options, CancellationToken.None))
        {
            Assert.Equal(2, await store.RunWriterPragmaAsync("PRAGMA auto_vacuum"));
            await RoundAsync();
            var clock = Stopwatch.StartNew();
            while (await store.RunWriterPragmaAsync("PRAGMA freelist_count") > 0)
            {
                Assert.True(clock.Elapsed < StoreHarness.Patience, "the converted store gives its free pages back");
                await Task.Delay(50);
            }
            Assert.True(await store.RunWriterPragmaAsync("PRAGMA page_count") < first - 300, "the file is smaller than with the pages kept");
        }
    }

    /// <summary>Enqueues <paramref name="count"/> jobs and ends each succeeded, acks a few at a time (they share group commits).</summary>
    private static async Task EndJobsAsync(StoreHarness h, int count, string payload)
    {
        await h.Store.EnqueueAsync([.. Enumerable.Range(0, count).Select(_ => h.Job(payload: payload))], CancellationToken.None);
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var i = worker; i < count; i += 8)
            {
                await using var lease = await h.FetchAsync();
                Assert.True(await lease.AckAsync(h.Success(), CancellationToken.None));
            }
        }));
    }

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > StoreHarness.Patience)
                Assert.Fail($"waited {StoreHarness.Patience} for {what}");
            await Task.Delay(50);
        }
    }
}
