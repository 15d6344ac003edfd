using Fjord.Core.Jobs;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class RecoveryTests
{
    [Fact]
    public async Task OpenAsync_TakesBackJobsLeftRunning_ByAProcessThatDied()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        var other = await h.EnqueueAsync();
        var orphan = await h.FetchAsync(); // never completed nor disposed: the "crash"

        await h.ReopenAsync();

        var job = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(JobStatus.Queued, job.Status);
        var lost = Assert.Single(job.Attempts);
        Assert.Equal("lost", lost.Outcome);
        Assert.Equal(ErrorKind.Crash, lost.Error!.Kind);
        Assert.Equal("node stopped while the job ran", lost.Error.Message);
        Assert.Equal(JobStatus.Queued, (await h.Store.GetJobAsync(other, default))!.Status);

        var fetched = new List<int>();
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await h.FetchAsync();
            if (lease.Job.Id == id)
                fetched.Add(lease.Job.Attempt);
            Assert.True(await lease.AckAsync(h.Success(), default));
        }
        Assert.Equal([2], fetched);
        // The old process's lease is fenced (and its store closed): nothing it does counts.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => orphan.AckAsync(h.Success(), default));
        await orphan.DisposeAsync();
    }

    [Fact]
    public async Task OpenAsync_KeepsEverythingCommitted_AcrossARestart()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(maxQueueDepth: 3), default);
        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
            ids.Add(await h.EnqueueAsync(payload: $"p{i}"));

        await h.ReopenAsync();

        // The queue depth is seeded from the file: the limit still holds after a restart.
        await Assert.ThrowsAsync<Fjord.Core.Queue.QueueFullException>(() => h.EnqueueAsync());
        var payloads = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            await using var lease = await h.FetchAsync();
            payloads.Add(System.Text.Encoding.UTF8.GetString(lease.Job.Payload));
            await lease.AckAsync(h.Success(), default);
        }
        Assert.Equal(["p0", "p1", "p2"], payloads);
    }

    [Fact]
    public async Task OpenAsync_Throws_WhileAnotherStoreHoldsTheFolder()
    {
        await using var h = await StoreHarness.OpenAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => SqliteStore.OpenAsync(h.Options, default));
        Assert.Contains("data folder in use by another fjord process", error.Message, StringComparison.Ordinal);

        await h.ReopenAsync(); // the lock is released on dispose
        Assert.Empty(await h.Store.GetQueuesAsync(default));
    }

    [Fact]
    public async Task LeaseTokens_KeepRising_AcrossRestarts()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.EnqueueAsync();
        await h.EnqueueAsync();
        long first;
        await using (var lease = await h.FetchAsync())
        {
            first = lease.Job.LeaseToken;
            await lease.AckAsync(h.Success(), default);
        }

        await h.ReopenAsync();

        await using var next = await h.FetchAsync();
        Assert.True(next.Job.LeaseToken > first);
    }
}
