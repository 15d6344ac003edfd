using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class CallbackOutboxTests
{
    private static readonly TimeSpan Hold = TimeSpan.FromSeconds(30);

    private static async Task<string> EnqueueWithCallbackAsync(StoreHarness h, string url = "http://127.0.0.1:9/cb")
    {
        var job = h.Job() with { CallbackUrl = url };
        return (await h.Store.EnqueueAsync([job], default))[0].Id;
    }

    [Fact]
    public async Task Ack_QueuesCallback_InTheSameWrite_AndClaimHoldsIt()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await EnqueueWithCallbackAsync(h);
        await h.EnqueueAsync(); // no callback: no outbox row
        Assert.Empty(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));

        await using (var lease = await h.FetchAsync())
            Assert.True(await lease.AckAsync(h.Success("r"), default));
        await using (var lease = await h.FetchAsync())
            Assert.True(await lease.AckAsync(h.Success("r"), default));

        var callback = Assert.Single(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));
        Assert.Equal(id, callback.JobId);
        Assert.Equal(JobStatus.Succeeded, callback.Status);
        Assert.Equal(1, callback.Attempt);
        Assert.Equal("http://127.0.0.1:9/cb", callback.Url);
        Assert.Equal(0, callback.Tries);
        // Held: a second claim does not hand it out again while the first delivery runs.
        Assert.Empty(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));
        h.Time.Advance(Hold + TimeSpan.FromSeconds(1));
        Assert.Single(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));
    }

    [Fact]
    public async Task RecordCallbackAsync_SchedulesNextTry_ThenEnds_AndJobShowsEveryTry()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await EnqueueWithCallbackAsync(h);
        await using (var lease = await h.FetchAsync())
            Assert.True(await lease.DeadLetterAsync(h.Failure("bad"), default));
        var first = Assert.Single(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));
        Assert.Equal(JobStatus.Failed, first.Status);
        Assert.Equal(ErrorKind.Exit, first.Error?.Kind);

        await h.Store.RecordCallbackAsync(first.Id, new CallbackDelivery(h.Time.GetUtcNow(), 500, "HTTP 500"), h.Time.GetUtcNow().AddSeconds(5), default);
        Assert.Empty(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));
        h.Time.Advance(TimeSpan.FromSeconds(6));
        var second = Assert.Single(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));
        Assert.Equal(1, second.Tries);
        await h.Store.RecordCallbackAsync(second.Id, new CallbackDelivery(h.Time.GetUtcNow(), 204, null), null, default);
        h.Time.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));

        var job = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal([500, 204], job.Callbacks.Select(c => c.StatusCode));
        Assert.Equal([1, 2], job.Callbacks.Select(c => c.Number));
        Assert.All(job.Callbacks, c => Assert.Equal(JobStatus.Failed, c.JobStatus));
    }

    [Fact]
    public async Task Cancel_QueuesCallback_ForWaitingAndRunningJobs()
    {
        await using var h = await StoreHarness.OpenAsync();
        var running = await EnqueueWithCallbackAsync(h);
        await using var lease = await h.FetchAsync();
        var waiting = await EnqueueWithCallbackAsync(h);

        Assert.Equal(JobCommandResult.Done, await h.Store.CancelAsync(running, default));
        Assert.Equal(JobCommandResult.Done, await h.Store.CancelAsync(waiting, default));

        var due = await h.Store.ClaimDueCallbacksAsync(10, Hold, default);
        Assert.Equal(2, due.Count);
        Assert.All(due, c => Assert.Equal(JobStatus.Canceled, c.Status));
        Assert.Equal(ErrorKind.Canceled, due.Single(c => c.JobId == running).Error?.Kind);
    }

    [Fact]
    public async Task Outbox_SurvivesReopen()
    {
        await using var h = await StoreHarness.OpenAsync();
        await EnqueueWithCallbackAsync(h);
        await using (var lease = await h.FetchAsync())
            Assert.True(await lease.AckAsync(h.Success(), default));

        await h.ReopenAsync();

        Assert.Single(await h.Store.ClaimDueCallbacksAsync(10, Hold, default));
    }
}
