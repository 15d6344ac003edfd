using Fjord.Core.Jobs;
using Fjord.Core.Queue;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class QueueTests
{
    [Fact]
    public async Task FetchAsync_ReturnsThePayload_AfterEnqueue()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync(payload: "hello");

        await using var lease = await h.FetchAsync();

        Assert.Equal(id, lease.Job.Id);
        Assert.Equal("hello", System.Text.Encoding.UTF8.GetString(lease.Job.Payload));
        Assert.Equal("text/plain", lease.Job.ContentType);
        Assert.Equal(1, lease.Job.Attempt);
        Assert.Equal(JobStatus.Running, (await h.Store.GetJobAsync(id, default))!.Status);
    }

    [Fact]
    public async Task FetchAsync_WaitsForTheNextEnqueue_WhenTheQueueIsEmpty()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.EnqueueAsync();
        await using var first = await h.FetchAsync();

        var second = h.FetchAsync();
        await StoreHarness.AssertStillWaitingAsync(second);

        var id = await h.EnqueueAsync(payload: "later");
        await using var lease = await second;
        Assert.Equal(id, lease.Job.Id);
    }

    [Fact]
    public async Task FetchAsync_OnlyServesItsOwnFunction()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.EnqueueAsync(function: "other");

        var fetch = h.FetchAsync("f");
        await StoreHarness.AssertStillWaitingAsync(fetch);
        var id = await h.EnqueueAsync(function: "f");
        await using var lease = await fetch;
        Assert.Equal(id, lease.Job.Id);
    }

    [Fact]
    public async Task EnqueueAsync_StoresEveryJobExactlyOnce_UnderConcurrentCallers()
    {
        await using var h = await StoreHarness.OpenAsync();

        var ids = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => Task.Run(async () =>
        {
            var mine = new List<string>();
            for (var i = 0; i < 20; i++)
                mine.Add((await h.Store.EnqueueAsync([h.Job()], default))[0].Id);
            return mine;
        })));

        var all = ids.SelectMany(x => x).ToList();
        Assert.Equal(1000, all.Distinct().Count());
        Assert.Equal(1000, h.Count("SELECT count(*) FROM jobs"));
        Assert.Equal(1000, h.Count("SELECT count(DISTINCT id) FROM jobs"));
        var queue = Assert.Single(await h.Store.GetQueuesAsync(default));
        Assert.Equal(1000, queue.Ready);
    }

    [Fact]
    public async Task EnqueueAsync_StoresNothing_WhenTheQueueFillsMidBatch()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(maxQueueDepth: 10), default);
        await h.EnqueueAsync();

        var batch = Enumerable.Range(0, 15).Select(_ => h.Job()).ToList();
        var full = await Assert.ThrowsAsync<QueueFullException>(() => h.Store.EnqueueAsync(batch, default));

        Assert.Equal("f", full.Function);
        Assert.InRange(full.RetryAfter, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5));
        Assert.Equal(1, h.Count("SELECT count(*) FROM jobs"));
        await h.Store.EnqueueAsync(Enumerable.Range(0, 9).Select(_ => h.Job()).ToList(), default);
        Assert.Equal(10, h.Count("SELECT count(*) FROM jobs"));
        await Assert.ThrowsAsync<QueueFullException>(() => h.EnqueueAsync());
    }

    [Fact]
    public async Task EnqueueAsync_StoresNothingOfTheBatch_WhenOneJobIsRejected()
    {
        await using var h = await StoreHarness.OpenAsync();
        var existing = h.Job();
        await h.Store.EnqueueAsync([existing], default);

        var batch = new List<NewJob> { h.Job(), h.Job(), existing with { }, h.Job() };
        await Assert.ThrowsAnyAsync<Exception>(() => h.Store.EnqueueAsync(batch, default));

        Assert.Equal(1, h.Count("SELECT count(*) FROM jobs"));
        // The failed batch does not sink other callers or the store.
        await h.EnqueueAsync();
        Assert.Equal(2, h.Count("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task EnqueueAsync_FreesQueueDepth_AsJobsAreFetched()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(maxQueueDepth: 1), default);
        await h.EnqueueAsync();
        await Assert.ThrowsAsync<QueueFullException>(() => h.EnqueueAsync());

        await using var lease = await h.FetchAsync();

        await h.EnqueueAsync();
        Assert.Equal(2, h.Count("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task FetchAsync_DoesNotHandOutAScheduledJob_BeforeItsTime()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync(runAt: h.Time.GetUtcNow().AddMinutes(5));
        Assert.Equal(JobStatus.Scheduled, (await h.Store.GetJobAsync(id, default))!.Status);

        var fetch = h.FetchAsync();
        await StoreHarness.AssertStillWaitingAsync(fetch);

        h.Time.Advance(TimeSpan.FromMinutes(5));
        await using var lease = await fetch;
        Assert.Equal(id, lease.Job.Id);
    }

    [Fact]
    public async Task FetchAsync_LosesNoJob_WhenCancelledWhileParked()
    {
        await using var h = await StoreHarness.OpenAsync();
        using var cts = new CancellationTokenSource();
        var parked = h.Store.FetchAsync("f", "node-a", cts.Token);
        await StoreHarness.AssertStillWaitingAsync(parked, 100);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => parked);
        var id = await h.EnqueueAsync();

        await using var lease = await h.FetchAsync();
        Assert.Equal(id, lease.Job.Id);
        Assert.Equal(1, lease.Job.Attempt);
    }

    [Fact]
    public async Task FetchAsync_LosesNoJob_WhenCancellationRacesTheClaim()
    {
        await using var h = await StoreHarness.OpenAsync();
        const int Rounds = 150;
        var delivered = 0;
        for (var i = 0; i < Rounds; i++)
        {
            using var cts = new CancellationTokenSource();
            var fetch = h.Store.FetchAsync("f", "node-a", cts.Token);
            var enqueue = h.EnqueueAsync();
            if (i % 2 == 0)
                await Task.Yield();
            await cts.CancelAsync();
            await enqueue;
            try
            {
                await using var lease = await fetch;
                Assert.True(await lease.AckAsync(h.Success(), default));
                delivered++;
            }
            catch (OperationCanceledException)
            {
                // Not delivered: the job must still be in the queue (given back if it was claimed).
                await using var lease = await h.FetchAsync();
                Assert.Equal(1, lease.Job.Attempt);
                Assert.True(await lease.AckAsync(h.Success(), default));
            }
        }

        Assert.Equal(Rounds, h.Count("SELECT count(*) FROM jobs WHERE status = 3"));
        var stats = Assert.Single(await h.Store.GetQueuesAsync(default));
        Assert.Equal(Rounds, stats.Succeeded);
        Assert.Equal(0, stats.Ready + stats.Running);
    }

    [Fact]
    public async Task FetchAsync_Waits_WhileTheFunctionIsPaused_AndResumeWakesIt()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(), default);
        Assert.True(await h.Store.SetPausedAsync("f", true, default));
        var id = await h.EnqueueAsync();

        var fetch = h.FetchAsync();
        await StoreHarness.AssertStillWaitingAsync(fetch);

        Assert.True(await h.Store.SetPausedAsync("f", false, default));
        await using var lease = await fetch;
        Assert.Equal(id, lease.Job.Id);
    }

    [Fact]
    public async Task FetchAsync_DeadLettersAsExpired_AJobOlderThanMaxAge()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(maxAge: TimeSpan.FromHours(1)), default);
        var stale = await h.EnqueueAsync(payload: "stale");
        h.Time.Advance(TimeSpan.FromHours(2));
        var fresh = await h.EnqueueAsync(payload: "fresh");

        await using var lease = await h.FetchAsync();

        Assert.Equal(fresh, lease.Job.Id);
        var job = (await h.Store.GetJobAsync(stale, default))!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(ErrorKind.Expired, job.Error!.Kind);
        Assert.Empty(job.Attempts);
        var stats = Assert.Single(await h.Store.GetQueuesAsync(default));
        Assert.Equal(1, stats.Failed);
        Assert.Equal(1, stats.Running);
        Assert.Equal(0, stats.Ready);
    }

    [Fact]
    public async Task EnqueueAsync_ReturnsTheSameId_ForARepeatedIdempotencyKey()
    {
        await using var h = await StoreHarness.OpenAsync();
        var first = await h.Store.EnqueueAsync([h.Job(key: "k1")], default);
        var second = await h.Store.EnqueueAsync([h.Job(key: "k1")], default);
        var otherFunction = await h.Store.EnqueueAsync([h.Job(function: "g", key: "k1")], default);

        Assert.False(first[0].Existing);
        Assert.True(second[0].Existing);
        Assert.Equal(first[0].Id, second[0].Id);
        Assert.False(otherFunction[0].Existing);
        Assert.Equal(2, h.Count("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task EnqueueAsync_GivesConcurrentRequestsWithOneKey_OneJob()
    {
        await using var h = await StoreHarness.OpenAsync();

        var results = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ =>
            Task.Run(() => h.Store.EnqueueAsync([h.Job(key: "same")], default))));

        Assert.Single(results.Select(r => r[0].Id).Distinct());
        Assert.Single(results, r => !r[0].Existing);
        Assert.Equal(1, h.Count("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task EnqueueAsync_AcceptsAKeyAgain_After24Hours()
    {
        await using var h = await StoreHarness.OpenAsync();
        var first = await h.Store.EnqueueAsync([h.Job(key: "k")], default);
        h.Time.Advance(TimeSpan.FromHours(23));
        var within = await h.Store.EnqueueAsync([h.Job(key: "k")], default);
        h.Time.Advance(TimeSpan.FromHours(2));
        var after = await h.Store.EnqueueAsync([h.Job(key: "k")], default);

        Assert.Equal(first[0].Id, within[0].Id);
        Assert.True(within[0].Existing);
        Assert.NotEqual(first[0].Id, after[0].Id);
        Assert.False(after[0].Existing);
        Assert.Equal(2, h.Count("SELECT count(*) FROM jobs"));
    }
}
