using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class DeadLetterTests
{
    private static async Task<string> DeadLetterAsync(StoreHarness h, string function, ErrorKind kind)
    {
        var id = await h.EnqueueAsync(function);
        await using var lease = await h.FetchAsync(function);
        Assert.Equal(id, lease.Job.Id);
        Assert.True(await lease.DeadLetterAsync(AttemptOutcome.Failure(new JobError(kind, "broke"), "log", h.Time.GetUtcNow()), default));
        return id;
    }

    [Fact]
    public async Task RetryDeadLettersAsync_RequeuesOnlyMatchingJobs_KeepingHistory()
    {
        await using var h = await StoreHarness.OpenAsync();
        var exitF = await DeadLetterAsync(h, "f", ErrorKind.Exit);
        var timeoutF = await DeadLetterAsync(h, "f", ErrorKind.Timeout);
        var exitG = await DeadLetterAsync(h, "g", ErrorKind.Exit);

        var retried = await h.Store.RetryDeadLettersAsync(new DeadLetterFilter("f", ErrorKind.Exit), default);

        Assert.Equal(1, retried);
        var job = (await h.Store.GetJobAsync(exitF, default))!;
        Assert.Equal(JobStatus.Queued, job.Status);
        Assert.Equal(0, job.Attempt);
        Assert.Null(job.Error);
        Assert.Single(job.Attempts);
        Assert.Equal(JobStatus.Failed, (await h.Store.GetJobAsync(timeoutF, default))!.Status);
        Assert.Equal(JobStatus.Failed, (await h.Store.GetJobAsync(exitG, default))!.Status);
        await using (var lease = await h.FetchAsync("f"))
            Assert.Equal(exitF, lease.Job.Id);

        Assert.Equal(2, await h.Store.RetryDeadLettersAsync(new DeadLetterFilter(), default));
        Assert.Equal(0, await h.Store.RetryDeadLettersAsync(new DeadLetterFilter(), default));
    }

    [Fact]
    public async Task RetryDeadLettersAsync_WithSince_TakesOnlyLaterFailures()
    {
        await using var h = await StoreHarness.OpenAsync();
        var early = await DeadLetterAsync(h, "f", ErrorKind.Exit);
        h.Time.Advance(TimeSpan.FromHours(1));
        var cut = h.Time.GetUtcNow();
        var late = await DeadLetterAsync(h, "f", ErrorKind.Exit);

        Assert.Equal(1, await h.Store.RetryDeadLettersAsync(new DeadLetterFilter(Since: cut), default));

        Assert.Equal(JobStatus.Failed, (await h.Store.GetJobAsync(early, default))!.Status);
        Assert.Equal(JobStatus.Queued, (await h.Store.GetJobAsync(late, default))!.Status);
    }

    [Fact]
    public async Task PurgeDeadLettersAsync_DeletesMatchingJobsAndTheirAttempts_KeepsTotals()
    {
        await using var h = await StoreHarness.OpenAsync();
        var gone = await DeadLetterAsync(h, "f", ErrorKind.Crash);
        var kept = await DeadLetterAsync(h, "f", ErrorKind.Exit);
        var queued = await h.EnqueueAsync("f");

        Assert.Equal(1, await h.Store.PurgeDeadLettersAsync(new DeadLetterFilter(ErrorKind: ErrorKind.Crash), default));

        Assert.Null(await h.Store.GetJobAsync(gone, default));
        Assert.Equal(0, h.Count($"SELECT count(*) FROM attempts WHERE job_id = '{gone}'"));
        Assert.NotNull(await h.Store.GetJobAsync(kept, default));
        Assert.Equal(JobStatus.Queued, (await h.Store.GetJobAsync(queued, default))!.Status);
        Assert.Equal(2, Assert.Single(await h.Store.GetQueuesAsync(default)).Failed);
    }

    [Fact]
    public async Task BulkCommands_CoverMoreThanOneChunk()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(maxAge: TimeSpan.FromMinutes(1)), default);
        var total = SqliteStore.DeadLetterChunk * 2 + 500;
        await h.Store.EnqueueAsync(Enumerable.Range(0, total).Select(i => h.Job()).ToList(), default);
        h.Time.Advance(TimeSpan.FromMinutes(2));
        // A waiting fetch expires the old jobs round after round (maxAge): the dead letters to work on.
        using (var cts = new CancellationTokenSource())
        {
            var fetch = h.Store.FetchAsync("f", "node-a", cts.Token);
            var deadline = DateTime.UtcNow + StoreHarness.Patience;
            while (h.Count("SELECT count(*) FROM jobs WHERE status = 4") < total && DateTime.UtcNow < deadline)
            {
                // The fetch looks again when the store's clock says so: move it.
                h.Time.Advance(TimeSpan.FromMilliseconds(100));
                await Task.Delay(50);
            }
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch);
        }
        Assert.Equal(total, h.Count("SELECT count(*) FROM jobs WHERE status = 4"));

        Assert.Equal(total, await h.Store.PurgeDeadLettersAsync(new DeadLetterFilter("f", ErrorKind.Expired), default));

        Assert.Equal(0, h.Count("SELECT count(*) FROM jobs"));
    }

    [Fact]
    public async Task RetryOfExpiredJob_RunsInsteadOfExpiringAgain()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec(maxAge: TimeSpan.FromHours(1)), default);
        var single = await h.EnqueueAsync(payload: "single");
        var bulk = await h.EnqueueAsync(payload: "bulk");
        h.Time.Advance(TimeSpan.FromHours(2));
        var marker = await h.EnqueueAsync(payload: "marker");
        await using (var lease = await h.FetchAsync())
        {
            Assert.Equal(marker, lease.Job.Id); // the fetch expired the two old ones
            Assert.True(await lease.AckAsync(h.Success(), default));
        }
        Assert.Equal(ErrorKind.Expired, (await h.Store.GetJobAsync(single, default))!.Error?.Kind);

        Assert.Equal(JobCommandResult.Done, await h.Store.RetryAsync(single, default));
        Assert.Equal(1, await h.Store.RetryDeadLettersAsync(new DeadLetterFilter(ErrorKind: ErrorKind.Expired), default));

        await using (var first = await h.FetchAsync())
        await using (var second = await h.FetchAsync())
            Assert.Equal(new[] { single, bulk }.Order(), new[] { first.Job.Id, second.Job.Id }.Order());
    }
}
