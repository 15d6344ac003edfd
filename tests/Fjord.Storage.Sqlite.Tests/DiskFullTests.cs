using Fjord.Core.Queue;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class DiskFullTests
{
    [Fact]
    public async Task EnqueueAsync_ReportsUnavailable_WhenTheFileCannotGrow_AndRecoversWhenItCan()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.EnqueueAsync(payload: "before");
        var pages = await h.Store.RunWriterPragmaAsync("PRAGMA page_count");
        await h.Store.RunWriterPragmaAsync($"PRAGMA max_page_count = {pages}");

        var big = new string('x', 512 * 1024);
        var batch = Enumerable.Range(0, 4).Select(_ => h.Job(payload: big)).ToList();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => h.Store.EnqueueAsync(batch, default));
        await Assert.ThrowsAsync<StoreUnavailableException>(() => h.EnqueueAsync(payload: big));
        Assert.Equal(1, h.Count("SELECT count(*) FROM jobs"));

        await h.Store.RunWriterPragmaAsync("PRAGMA max_page_count = 1073741823");
        await h.Store.EnqueueAsync(batch, default);

        Assert.Equal(5, h.Count("SELECT count(*) FROM jobs"));
        var stats = Assert.Single(await h.Store.GetQueuesAsync(default));
        Assert.Equal(5, stats.Ready);
        Assert.True((await h.Store.CheckAsync(default)).Ready);
        await using var lease = await h.FetchAsync();
        Assert.Equal("before", System.Text.Encoding.UTF8.GetString(lease.Job.Payload));
    }
}

public sealed class DiskFullFetchTests
{
    [Fact]
    public async Task FetchAsync_KeepsWaiting_ThroughAFailedGroup_AndIsServedLater()
    {
        await using var h = await StoreHarness.OpenAsync();
        var fetch = h.FetchAsync("g");
        await StoreHarness.AssertStillWaitingAsync(fetch, 100);
        var pages = await h.Store.RunWriterPragmaAsync("PRAGMA page_count");
        await h.Store.RunWriterPragmaAsync($"PRAGMA max_page_count = {pages}");

        await Assert.ThrowsAsync<StoreUnavailableException>(() => h.EnqueueAsync(function: "g", payload: new string('x', 512 * 1024)));
        await StoreHarness.AssertStillWaitingAsync(fetch, 100);

        await h.Store.RunWriterPragmaAsync("PRAGMA max_page_count = 1073741823");
        var id = await h.EnqueueAsync(function: "g");
        await using var lease = await fetch;
        Assert.Equal(id, lease.Job.Id);
    }
}
