using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>Deleting ended jobs (IJobRetention: the sweeper and `jobs purge`), run against every backend.</summary>
public abstract class RetentionContract
{
    protected abstract Task<Backend> CreateAsync();

    private static IJobRetention Retention(Backend b) => Assert.IsAssignableFrom<IJobRetention>(b.Jobs);

    private static async Task<List<string>> EndAsync(Backend b, string fn, int count, bool succeed)
    {
        var jobs = Enumerable.Range(0, count).Select(i => Jobs.New(fn, $"p{i}", maxAttempts: 1, callbackUrl: "https://hooks.example/done")).ToArray();
        await b.Queue.EnqueueAsync(jobs, default);
        for (var i = 0; i < count; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.True(succeed ? await lease.AckAsync(Jobs.Ok(), default) : await lease.DeadLetterAsync(Jobs.Failed(), default));
        }
        return [.. jobs.Select(j => j.Id)];
    }

    [Fact]
    public async Task DeleteEnded_TakesOnlyThatStateOfThatFunctionPastTheCutoff_WithItsHistory()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var other = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var succeeded = await EndAsync(b, fn, 2, succeed: true);
        var failed = Assert.Single(await EndAsync(b, fn, 1, succeed: false));
        var otherSucceeded = Assert.Single(await EndAsync(b, other, 1, succeed: true));
        await Task.Delay(5);
        var canceled = Jobs.New(fn);
        var queued = Jobs.New(fn, runAt: DateTimeOffset.UtcNow.AddHours(1));
        await b.Queue.EnqueueAsync([canceled, queued], default);
        Assert.Equal(JobCommandResult.Done, await b.Jobs.CancelAsync(canceled.Id, default));
        var r = Retention(b);

        Assert.Equal(0, await r.DeleteEndedAsync(new EndedJobFilter(fn, JobStatus.Succeeded, DateTimeOffset.UtcNow.AddHours(-1)), 500, default));
        Assert.Equal(2, await r.DeleteEndedAsync(new EndedJobFilter(fn, JobStatus.Succeeded, DateTimeOffset.UtcNow.AddSeconds(5)), 500, default));

        foreach (var id in succeeded)
        {
            Assert.Null(await b.Jobs.GetJobAsync(id, default));
            Assert.Null(await b.Jobs.GetResultAsync(id, default));
            Assert.True(string.IsNullOrEmpty(await b.Jobs.GetLogAsync(id, default)));
            Assert.True(await r.WasDeletedAsync(id, default));
        }
        // Their callbacks went with them: only the failed job's and the other function's remain.
        var due = await b.Callbacks.ClaimDueCallbacksAsync(100, TimeSpan.FromMinutes(1), default);
        Assert.Equal(new[] { failed, otherSucceeded }.Order(), due.Select(c => c.JobId).Order());
        Assert.Equal(JobStatus.Failed, (await b.Jobs.GetJobAsync(failed, default))!.Status);
        Assert.Equal(JobStatus.Succeeded, (await b.Jobs.GetJobAsync(otherSucceeded, default))!.Status);
        Assert.Equal(JobStatus.Scheduled, (await b.Jobs.GetJobAsync(queued.Id, default))!.Status);
        // A job made after the newest deleted one is not reported as expired.
        Assert.False(await r.WasDeletedAsync(JobId.New(), default));
        Assert.False(await r.WasDeletedAsync("not-an-id", default));

        Assert.Equal(1, await r.DeleteEndedAsync(new EndedJobFilter(fn, JobStatus.Canceled, DateTimeOffset.UtcNow.AddSeconds(5)), 500, default));
        Assert.Null(await b.Jobs.GetJobAsync(canceled.Id, default));
        Assert.True(await r.WasDeletedAsync(canceled.Id, default));
        Assert.NotNull(await b.Jobs.GetJobAsync(queued.Id, default));
        var totals = Assert.Single(await b.Monitor.GetQueuesAsync(default), q => q.Name == fn);
        Assert.Equal(2, totals.Succeeded);
    }

    [Fact]
    public async Task DeleteEnded_NeverTakesWaitingOrRunningJobs()
    {
        await using var b = await CreateAsync();
        var r = Retention(b);
        foreach (var status in new[] { JobStatus.Queued, JobStatus.Scheduled, JobStatus.Running })
            await Assert.ThrowsAsync<ArgumentException>(() => r.DeleteEndedAsync(new EndedJobFilter("f", status, DateTimeOffset.UtcNow.AddDays(1)), 10, default));
    }

    [Fact]
    public async Task DeleteChunks_WorksOffMoreThanOneChunk_AndListsEveryFunctionWithJobs()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var other = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        await EndAsync(b, fn, 7, succeed: true);
        await EndAsync(b, other, 2, succeed: false);
        var r = Retention(b);

        Assert.Equal(new[] { fn, other }.Order(), (await r.ListJobFunctionsAsync(default)).Order());
        var filter = new EndedJobFilter(fn, JobStatus.Succeeded, DateTimeOffset.UtcNow.AddSeconds(5));
        Assert.Equal(3, await r.DeleteEndedAsync(filter, 3, default));
        Assert.Equal(4, await RetentionChunks.DeleteChunksAsync(r, filter, TimeSpan.Zero, default));
        Assert.Equal(2, await RetentionChunks.DeleteAllAsync(r, null, JobStatus.Failed, DateTimeOffset.UtcNow.AddSeconds(5), TimeSpan.Zero, default));
        Assert.Empty(await r.ListJobFunctionsAsync(default));
    }
}

public sealed class SqliteRetentionContract : RetentionContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class RabbitPostgresRetentionContract : RetentionContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisRetentionContract : RetentionContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
