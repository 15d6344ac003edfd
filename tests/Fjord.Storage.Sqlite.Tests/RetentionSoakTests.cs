using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Tests;

/// <summary>
/// The store's size stays bounded under retention: a day of traffic compressed into seconds
/// (one hour per round on the store's clock, jobs kept one minute) ends in a file no bigger than
/// after its first hours: the pages deleted jobs free are given back to the file system
/// (incremental vacuum, SpaceReclaimTests) and, until they are, reused by new rows.
/// </summary>
public sealed class RetentionSoakTests
{
    private const int JobsPerHour = 60;

    [Fact]
    public async Task ADayOfTraffic_WithOneMinuteRetention_EndsNoBiggerThanItsFirstHours()
    {
        await using var h = await StoreHarness.OpenAsync();
        var payload = new string('p', 3000);
        long firstPart = 0;
        for (var hour = 0; hour < 24; hour++)
        {
            await h.Store.EnqueueAsync([.. Enumerable.Range(0, JobsPerHour).Select(_ => h.Job(payload: payload))], CancellationToken.None);
            for (var i = 0; i < JobsPerHour; i++)
            {
                await using var lease = await h.FetchAsync();
                Assert.True(await lease.AckAsync(h.Success(new string('r', 2000), "a log line"), CancellationToken.None));
            }
            h.Time.Advance(TimeSpan.FromHours(1));
            var deleted = await RetentionChunks.DeleteAllAsync(h.Store, "f", JobStatus.Succeeded, h.Time.GetUtcNow() - TimeSpan.FromMinutes(1), TimeSpan.Zero, CancellationToken.None);
            Assert.Equal(JobsPerHour, deleted);
            // Pages (of the file and of its WAL not yet checkpointed): what the file holds or will.
            var pages = await h.Store.RunWriterPragmaAsync("PRAGMA page_count");
            if (hour == 2)
                firstPart = pages;
            if (hour > 2)
                Assert.True(pages <= firstPart, $"hour {hour}: {pages} pages, after the first three hours {firstPart}");
        }
        Assert.Equal(0, h.Count("SELECT count(*) FROM jobs"));
        Assert.Equal(0, h.Count("SELECT count(*) FROM attempts"));
    }
}
