using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class LeaseTests
{
    [Fact]
    public async Task Reaper_TakesBackAnUnrenewedLease_AndFencesTheOldHolder()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        var stale = await h.FetchAsync();

        h.Time.Advance(TimeSpan.FromSeconds(31));
        await using var fresh = await h.FetchAsync();

        Assert.Equal(id, fresh.Job.Id);
        Assert.Equal(2, fresh.Job.Attempt);
        Assert.True(fresh.Job.LeaseToken > stale.Job.LeaseToken);
        Assert.False(await stale.AckAsync(h.Success(), default));
        Assert.False(await stale.RenewAsync(default));
        Assert.False(await stale.DeadLetterAsync(h.Failure(), default));
        await stale.DisposeAsync();
        Assert.True(await fresh.AckAsync(h.Success("second"), default));

        var job = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(JobStatus.Succeeded, job.Status);
        Assert.Equal(2, job.Attempt);
        Assert.Collection(job.Attempts,
            a =>
            {
                Assert.Equal("lost", a.Outcome);
                Assert.Equal(ErrorKind.Crash, a.Error!.Kind);
                Assert.Equal("lease expired", a.Error.Message);
            },
            a => Assert.Equal("succeeded", a.Outcome));
        Assert.Equal("second", System.Text.Encoding.UTF8.GetString((await h.Store.GetResultAsync(id, default))!.Body));
    }

    [Fact]
    public async Task Reaper_DeadLettersAnExpiredLease_OnTheLastAttempt()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync(maxAttempts: 1);
        var lease = await h.FetchAsync();
        var ended = h.Store.WaitForEndAsync(id, default);

        h.Time.Advance(TimeSpan.FromSeconds(31));

        var job = (await ended.WaitAsync(StoreHarness.Patience))!;
        Assert.Equal(JobStatus.Failed, job.Status);
        Assert.Equal(ErrorKind.Crash, job.Error!.Kind);
        Assert.Equal("lost", Assert.Single(job.Attempts).Outcome);
        Assert.Equal(1, Assert.Single(await h.Store.GetQueuesAsync(default)).Failed);
        Assert.False(await lease.AckAsync(h.Success(), default));
    }

    [Fact]
    public async Task RenewAsync_KeepsTheLease_PastItsFirstExpiry()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        await using var lease = await h.FetchAsync();

        h.Time.Advance(TimeSpan.FromSeconds(20));
        Assert.True(await lease.RenewAsync(default));
        h.Time.Advance(TimeSpan.FromSeconds(20));
        await Task.Delay(300); // several reaper ticks

        Assert.Equal(JobStatus.Running, (await h.Store.GetJobAsync(id, default))!.Status);
        Assert.True(await lease.AckAsync(h.Success(), default));
    }

    [Fact]
    public async Task DisposeAsync_GivesTheJobBack_WithoutCountingTheAttempt()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        var lease = await h.FetchAsync();
        await lease.DisposeAsync();

        var job = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal(0, job.Attempt);
        Assert.Null(job.StartedAt);
        Assert.Empty(job.Attempts);

        await using var again = await h.FetchAsync();
        Assert.Equal(1, again.Job.Attempt);
        Assert.False(await lease.AckAsync(h.Success(), default));
    }

    [Fact]
    public async Task DisposeAsync_DoesNothing_AfterAnAck()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        var lease = await h.FetchAsync();
        Assert.True(await lease.AckAsync(h.Success(), default));
        await lease.DisposeAsync();

        Assert.Equal(JobStatus.Succeeded, (await h.Store.GetJobAsync(id, default))!.Status);
    }

    [Fact]
    public async Task RetryAtAsync_SchedulesTheNextAttempt_NotBeforeItsTime()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        var lease = await h.FetchAsync();
        Assert.True(await lease.RetryAtAsync(h.Time.GetUtcNow().AddMinutes(1), h.Failure("first", "log one"), default));
        await lease.DisposeAsync();

        var scheduled = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(JobStatus.Scheduled, scheduled.Status);
        Assert.Equal(ErrorKind.Exit, scheduled.Error!.Kind);
        Assert.Equal(3, scheduled.Error.ExitCode);
        var fetch = h.FetchAsync();
        await StoreHarness.AssertStillWaitingAsync(fetch);

        h.Time.Advance(TimeSpan.FromSeconds(61));
        await using var second = await fetch;
        Assert.Equal(id, second.Job.Id);
        Assert.Equal(2, second.Job.Attempt);
        Assert.Equal("log one", await h.Store.GetLogAsync(id, default));
    }

    [Fact]
    public async Task DeadLetterAsync_FailsTheJob_AndRetryAsyncBringsItBack()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync(maxAttempts: 1);
        await using (var lease = await h.FetchAsync())
            Assert.True(await lease.DeadLetterAsync(h.Failure("fatal"), default));

        var dead = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(JobStatus.Failed, dead.Status);
        Assert.NotNull(dead.FinishedAt);
        var attempt = Assert.Single(dead.Attempts);
        Assert.Equal("failed", attempt.Outcome);
        Assert.Equal("fatal", attempt.Error!.Message);
        Assert.Equal(1, Assert.Single(await h.Store.GetQueuesAsync(default)).Failed);

        Assert.Equal(JobCommandResult.Done, await h.Store.RetryAsync(id, default));
        Assert.Equal(JobCommandResult.WrongState, await h.Store.RetryAsync(id, default));
        var requeued = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(JobStatus.Queued, requeued.Status);
        Assert.Equal(0, requeued.Attempt);

        await using var again = await h.FetchAsync();
        Assert.Equal(1, again.Job.Attempt);
        Assert.True(await again.AckAsync(h.Success(), default));
        var done = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(2, done.Attempts.Count);
        var stats = Assert.Single(await h.Store.GetQueuesAsync(default));
        Assert.Equal(1, stats.Failed);
        Assert.Equal(1, stats.Succeeded);
    }

    [Fact]
    public async Task AckAsync_KeepsOnlyTheTailOfAHugeLog()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        var log = new string('a', 100_000) + "THE END";
        await using (var lease = await h.FetchAsync())
            Assert.True(await lease.AckAsync(h.Success(log: log), default));

        var stored = (await h.Store.GetLogAsync(id, default))!;
        Assert.EndsWith("THE END", stored, StringComparison.Ordinal);
        Assert.InRange(stored.Length, 64 * 1024, 64 * 1024 + 100);
    }
}
