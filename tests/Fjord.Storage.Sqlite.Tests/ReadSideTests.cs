using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Tests;

public sealed class ReadSideTests
{
    [Fact]
    public async Task GetQueuesAsync_CountsReadyScheduledRunningAndTotals()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.Store.PutFunctionAsync(StoreHarness.Spec("g"), default);
        await h.Store.SetPausedAsync("g", true, default);
        for (var i = 0; i < 4; i++)
            await h.EnqueueAsync();
        await h.EnqueueAsync(runAt: h.Time.GetUtcNow().AddHours(1));
        await using (var ok = await h.FetchAsync())
            await ok.AckAsync(h.Success(), default);
        await using (var bad = await h.FetchAsync())
            await bad.DeadLetterAsync(h.Failure(), default);
        await using var running = await h.FetchAsync();

        var queues = await h.Store.GetQueuesAsync(default);

        Assert.Equal(["f", "g"], queues.Select(q => q.Name));
        Assert.Equal(new QueueStats("f", Ready: 1, Scheduled: 1, Running: 1, Succeeded: 1, Failed: 1, Paused: false)
        {
            // The ready job is due at the harness's (manual) now: it has not waited yet.
            RunningByNode = new Dictionary<string, long> { ["node-a"] = 1 },
        }, queues[0]);
        Assert.Equal(new QueueStats("g", 0, 0, 0, 0, 0, Paused: true), queues[1]);
    }

    [Fact]
    public async Task GetQueuesAsync_KeepsTotals_WhenJobRowsAreGone()
    {
        await using var h = await StoreHarness.OpenAsync();
        await h.EnqueueAsync();
        await using (var lease = await h.FetchAsync())
            await lease.AckAsync(h.Success(), default);

        // Totals are a running count, not a row count: they survive a restart as they are.
        await h.ReopenAsync();
        Assert.Equal(1, Assert.Single(await h.Store.GetQueuesAsync(default)).Succeeded);
        Assert.Equal(1, h.Count("SELECT succeeded FROM counters WHERE function = 'f'"));
    }

    [Fact]
    public async Task ListJobsAsync_PagesNewestFirst_WithACursor()
    {
        await using var h = await StoreHarness.OpenAsync();
        var ids = new List<string>();
        for (var i = 0; i < 25; i++)
            ids.Add(await h.EnqueueAsync(function: i % 5 == 0 ? "g" : "f"));

        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await h.Store.ListJobsAsync(new JobQuery(Limit: 10, Cursor: cursor), default);
            seen.AddRange(page.Items.Select(j => j.Id));
            cursor = page.Next;
            pages++;
        }
        while (cursor is not null);

        Assert.Equal(3, pages);
        Assert.Equal(ids.OrderDescending(StringComparer.Ordinal), seen);
        var onlyG = await h.Store.ListJobsAsync(new JobQuery(Function: "g"), default);
        Assert.Equal(5, onlyG.Items.Count);
        Assert.All(onlyG.Items, j => Assert.Equal("g", j.Function));
        Assert.Null(onlyG.Next);
    }

    [Fact]
    public async Task ListJobsAsync_FiltersByStatus_AndCarriesAttempts()
    {
        await using var h = await StoreHarness.OpenAsync();
        var dead = await h.EnqueueAsync(maxAttempts: 1);
        await h.EnqueueAsync();
        await using (var lease = await h.FetchAsync())
            await lease.DeadLetterAsync(h.Failure("nope"), default);

        var page = await h.Store.ListJobsAsync(new JobQuery(Status: JobStatus.Failed), default);

        var job = Assert.Single(page.Items);
        Assert.Equal(dead, job.Id);
        Assert.Equal("nope", Assert.Single(job.Attempts).Error!.Message);
        Assert.Single((await h.Store.ListJobsAsync(new JobQuery(Status: JobStatus.Queued), default)).Items);
        await Assert.ThrowsAsync<ArgumentException>(() => h.Store.ListJobsAsync(new JobQuery(Cursor: "not-a-cursor"), default));
    }

    [Fact]
    public async Task ListJobsAsync_AFilterNoIndexServes_ExaminesABoundedRangePerPage_AndTheCursorsReachEveryMatch()
    {
        await using var h = await StoreHarness.OpenAsync();
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
            ids.Add(await h.EnqueueAsync());
        Assert.Equal(JobCommandResult.Done, await h.Store.CancelAsync(ids[1], default));
        Assert.Equal(JobCommandResult.Done, await h.Store.CancelAsync(ids[7], default));
        await h.ReopenAsync(o => o with { ListScanBound = 3 });

        var pages = new List<IReadOnlyList<string>>();
        string? cursor = null;
        do
        {
            var page = await h.Store.ListJobsAsync(new JobQuery(Status: JobStatus.Canceled, Limit: 5, Cursor: cursor), default);
            pages.Add([.. page.Items.Select(j => j.Id)]);
            cursor = page.Next;
        }
        while (cursor is not null);

        // Ten jobs, three examined per page: four pages, some of them short or empty, every match once, newest first.
        Assert.Equal(4, pages.Count);
        Assert.Equal([ids[7], ids[1]], pages.SelectMany(p => p));
        Assert.Contains(pages, p => p.Count == 0);
        // Running is served by the lease index, whole: the one running job on the first page, and no cursor.
        await using var running = await h.FetchAsync();
        var runningPage = await h.Store.ListJobsAsync(new JobQuery(Status: JobStatus.Running), default);
        Assert.Equal(running.Job.Id, Assert.Single(runningPage.Items).Id);
        Assert.Null(runningPage.Next);
    }

    [Fact]
    public async Task GetJobAsync_ShowsTheRunningAttempt_AndNullForUnknownIds()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        await using var lease = await h.FetchAsync();

        var job = (await h.Store.GetJobAsync(id, default))!;

        Assert.Equal("node-a", job.Node);
        Assert.Equal("running", Assert.Single(job.Attempts).Outcome);
        Assert.Null(await h.Store.GetJobAsync(JobId.New(), default));
        Assert.Null(await h.Store.GetLogAsync(JobId.New(), default));
        Assert.Equal("", await h.Store.GetLogAsync(id, default));
        Assert.Null(await h.Store.GetResultAsync(id, default));
    }

    [Fact]
    public async Task CancelAsync_StopsAWaitingJob_AndRefusesFinishedOnes()
    {
        await using var h = await StoreHarness.OpenAsync();
        var waiting = await h.EnqueueAsync(runAt: h.Time.GetUtcNow().AddMinutes(1));
        var done = await h.EnqueueAsync();
        await using (var lease = await h.FetchAsync())
            Assert.True(await lease.AckAsync(h.Success(), default));

        Assert.Equal(JobCommandResult.Done, await h.Store.CancelAsync(waiting, default));
        Assert.Equal(JobCommandResult.WrongState, await h.Store.CancelAsync(waiting, default));
        Assert.Equal(JobCommandResult.WrongState, await h.Store.CancelAsync(done, default));
        Assert.Equal(JobCommandResult.NotFound, await h.Store.CancelAsync(JobId.New(), default));
        Assert.Equal(JobCommandResult.NotFound, await h.Store.RetryAsync(JobId.New(), default));
        Assert.Equal(JobStatus.Canceled, (await h.Store.GetJobAsync(waiting, default))!.Status);
        Assert.Equal(JobStatus.Succeeded, (await h.Store.GetJobAsync(done, default))!.Status);

        h.Time.Advance(TimeSpan.FromMinutes(2));
        var fetch = h.FetchAsync();
        await StoreHarness.AssertStillWaitingAsync(fetch);
        Assert.Equal(0, Assert.Single(await h.Store.GetQueuesAsync(default)).Scheduled);
    }

    [Fact]
    public async Task CancelAsync_OfRunningJob_RecordsCanceledAttempt_FencesLease_AndSignalsIt()
    {
        await using var h = await StoreHarness.OpenAsync();
        var id = await h.EnqueueAsync();
        await using var lease = await h.FetchAsync();
        Assert.False(lease.Canceled.IsCancellationRequested);

        Assert.Equal(JobCommandResult.Done, await h.Store.CancelAsync(id, default));

        // The worker hears it from the lease at once, not at its next renewal.
        var signaled = new TaskCompletionSource();
        using var registration = lease.Canceled.Register(() => signaled.TrySetResult());
        await signaled.Task.WaitAsync(StoreHarness.Patience);
        Assert.False(await lease.AckAsync(h.Success(), default));
        Assert.False(await lease.RenewAsync(default));
        var job = (await h.Store.GetJobAsync(id, default))!;
        Assert.Equal(JobStatus.Canceled, job.Status);
        Assert.Equal(ErrorKind.Canceled, job.Error?.Kind);
        var attempt = Assert.Single(job.Attempts);
        Assert.Equal("canceled", attempt.Outcome);
        Assert.Equal(ErrorKind.Canceled, attempt.Error?.Kind);
        Assert.Equal(JobCommandResult.WrongState, await h.Store.CancelAsync(id, default));
        Assert.Equal(0, h.Count("SELECT count(*) FROM jobs WHERE status = 2"));
    }

    [Fact]
    public async Task WaitForEndAsync_ReturnsTheRecord_OnceTheJobSucceeds()
    {
        await using var h = await StoreHarness.OpenAsync();
        var job = h.Job(sync: true);
        await h.Store.EnqueueAsync([job], default);
        var wait = h.Store.WaitForEndAsync(job.Id, default);
        await StoreHarness.AssertStillWaitingAsync(wait, 100);

        await using (var lease = await h.FetchAsync())
        {
            Assert.True(lease.Job.Sync);
            await lease.AckAsync(h.Success("answer"), default);
        }

        var ended = (await wait.WaitAsync(StoreHarness.Patience))!;
        Assert.Equal(JobStatus.Succeeded, ended.Status);
        Assert.Equal("answer", System.Text.Encoding.UTF8.GetString((await h.Store.GetResultAsync(job.Id, default))!.Body));
        Assert.Equal(JobStatus.Succeeded, (await h.Store.WaitForEndAsync(job.Id, default))!.Status);
        Assert.Null(await h.Store.WaitForEndAsync(JobId.New(), default));
    }

    [Fact]
    public async Task WatchEnd_RegisteredBeforeTheEnqueue_GetsTheOutcomeWithItsResult()
    {
        await using var h = await StoreHarness.OpenAsync();
        var job = h.Job(sync: true);
        using var watch = h.Store.WatchEnd(job.Id);
        await h.Store.EnqueueAsync([job], default);
        var wait = watch.WaitAsync(default);
        await StoreHarness.AssertStillWaitingAsync(wait, 100);

        await using (var lease = await h.FetchAsync())
            await lease.AckAsync(h.Success("answer"), default);

        var end = (await wait.WaitAsync(StoreHarness.Patience))!;
        Assert.Equal(JobStatus.Succeeded, end.Status);
        Assert.Null(end.Error);
        Assert.Equal("answer", System.Text.Encoding.UTF8.GetString(end.Result!.Body));
    }

    [Fact]
    public async Task WatchEnd_SeesACancel_AndAFailure()
    {
        await using var h = await StoreHarness.OpenAsync();
        var canceled = h.Job(sync: true);
        using var watchCanceled = h.Store.WatchEnd(canceled.Id);
        await h.Store.EnqueueAsync([canceled], default);
        Assert.Equal(JobCommandResult.Done, await h.Store.CancelAsync(canceled.Id, default));
        Assert.Equal(JobStatus.Canceled, (await watchCanceled.WaitAsync(default).WaitAsync(StoreHarness.Patience))!.Status);

        var failing = h.Job(sync: true);
        using var watchFailing = h.Store.WatchEnd(failing.Id);
        await h.Store.EnqueueAsync([failing], default);
        await using (var lease = await h.FetchAsync())
            await lease.DeadLetterAsync(h.Failure("boom"), default);
        var end = (await watchFailing.WaitAsync(default).WaitAsync(StoreHarness.Patience))!;
        Assert.Equal(JobStatus.Failed, end.Status);
        Assert.Equal("boom", end.Error?.Message);
        Assert.Null(end.Result);
    }

    [Fact]
    public async Task CheckAsync_IsReady_WhileTheFileAnswers()
    {
        await using var h = await StoreHarness.OpenAsync();

        var readiness = await h.Store.CheckAsync(default);

        Assert.Equal("store", h.Store.Name);
        Assert.True(readiness.Ready, readiness.Detail);
    }
}
