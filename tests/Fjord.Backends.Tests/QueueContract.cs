using System.Collections.Concurrent;
using System.Text;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>
/// The queue contract (IJobQueue / IJobLease with the records they write), run unchanged against
/// every backend: the embedded SQLite store and RabbitMQ + PostgreSQL.
/// </summary>
public abstract class QueueContract
{
    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task Enqueue_FetchAndAck_RecordsSuccessWithNodeAndResult()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        var job = Jobs.New(fn, "payload-1");
        var enqueued = await b.Queue.EnqueueAsync([job], default);
        Assert.Equal(new EnqueuedJob(job.Id, false), Assert.Single(enqueued));

        await using (var lease = await b.Queue.FetchAsync(fn, "node-a"))
        {
            Assert.Equal(job.Id, lease.Job.Id);
            Assert.Equal("payload-1", Encoding.UTF8.GetString(lease.Job.Payload));
            Assert.Equal(1, lease.Job.Attempt);
            Assert.Equal(JobStatus.Running, (await b.Jobs.GetJobAsync(job.Id, default))!.Status);
            Assert.True(await lease.AckAsync(Jobs.Ok("result-1"), default));
        }

        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(JobStatus.Succeeded, record!.Status);
        Assert.Equal("node-a", record.Node);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal("succeeded", attempt.Outcome);
        Assert.Equal("node-a", attempt.Node);
        Assert.Equal("result-1", Encoding.UTF8.GetString((await b.Jobs.GetResultAsync(job.Id, default))!.Body));
        Assert.Equal("log line", await b.Jobs.GetLogAsync(job.Id, default));
        Assert.True(await b.Queue.NothingWithinAsync(fn, 1));
    }

    [Fact]
    public async Task Enqueue_SameIdempotencyKey_ReturnsEarlierId()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var first = Jobs.New(fn, key: "k1");
        var second = Jobs.New(fn, key: "k1");
        await b.Queue.EnqueueAsync([first], default);
        var again = await b.Queue.EnqueueAsync([second], default);
        Assert.Equal(new EnqueuedJob(first.Id, true), Assert.Single(again));
        Assert.Null(await b.Jobs.GetJobAsync(second.Id, default));
    }

    [Fact]
    public async Task Enqueue_QueueFull_RefusesTheWholeBatch()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, maxDepth: 2), default);
        await b.Queue.EnqueueAsync([Jobs.New(fn)], default);
        var batch = new[] { Jobs.New(fn), Jobs.New(fn) };
        await Assert.ThrowsAsync<QueueFullException>(() => b.Queue.EnqueueAsync(batch, default));
        Assert.Null(await b.Jobs.GetJobAsync(batch[0].Id, default));
        Assert.Null(await b.Jobs.GetJobAsync(batch[1].Id, default));
    }

    [Fact]
    public async Task RetryAt_RunsAgainWithTheNextAttempt_AndRecordsTheFailure()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        await using (var lease = await b.Queue.FetchAsync(fn))
            Assert.True(await lease.RetryAtAsync(DateTimeOffset.UtcNow.AddMilliseconds(800), Jobs.Failed(), default));

        var waiting = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(JobStatus.Scheduled, waiting!.Status);
        Assert.Equal(ErrorKind.Exit, waiting.Error!.Kind);

        await using (var lease = await b.Queue.FetchAsync(fn))
        {
            Assert.Equal(2, lease.Job.Attempt);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }
        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(["failed", "succeeded"], record!.Attempts.Select(a => a.Outcome));
    }

    [Fact]
    public async Task DeadLetter_Fails_ThenRetryAsyncRunsItAgainWithFreshBudget()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn, maxAttempts: 1);
        await b.Queue.EnqueueAsync([job], default);
        await using (var lease = await b.Queue.FetchAsync(fn))
            Assert.True(await lease.DeadLetterAsync(Jobs.Failed(), default));
        Assert.Equal(JobStatus.Failed, (await b.Jobs.GetJobAsync(job.Id, default))!.Status);
        Assert.Equal(JobCommandResult.WrongState, await b.Jobs.CancelAsync(job.Id, default));

        Assert.Equal(JobCommandResult.Done, await b.Jobs.RetryAsync(job.Id, default));
        await using (var lease = await b.Queue.FetchAsync(fn))
        {
            Assert.Equal(1, lease.Job.Attempt);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }
        var stats = Assert.Single(await b.Monitor.GetQueuesAsync(default), q => q.Name == fn);
        Assert.Equal(1, stats.Succeeded);
        Assert.Equal(1, stats.Failed);
    }

    [Fact]
    public async Task Dispose_WithoutCompleting_HandsTheJobBackUncounted()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        await using (await b.Queue.FetchAsync(fn))
        {
        }
        await using var again = await b.Queue.FetchAsync(fn, "node-b");
        Assert.Equal(job.Id, again.Job.Id);
        Assert.Equal(1, again.Job.Attempt);
        Assert.True(await again.AckAsync(Jobs.Ok(), default));
    }

    [Fact]
    public async Task Dispose_AfterACompletionThatCouldNotBeWritten_HandsTheJobBackCounted()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        var lease = await b.Queue.FetchAsync(fn);
        var fault = await b.FailCompletionsAsync();
        var big = AttemptOutcome.Success(new byte[Jobs.LargeResult], "application/octet-stream", "log", DateTimeOffset.UtcNow);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => lease.AckAsync(big, default));
        await fault.DisposeAsync();
        await lease.DisposeAsync();

        // The attempt ran: the next lease is attempt 2, at once (not after the lease ran out),
        // and the history says why the first one ended.
        await using var again = await b.Queue.FetchAsync(fn, "node-b", seconds: 1.5);
        Assert.Equal(job.Id, again.Job.Id);
        Assert.Equal(2, again.Job.Attempt);
        Assert.True(await again.AckAsync(Jobs.Ok(), default));
        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(["lost", "succeeded"], record!.Attempts.Select(a => a.Outcome));
        Assert.Equal(TakeBackReasons.OutcomeNotRecorded, record.Attempts[0].Error!.Message);
    }

    [Fact]
    public async Task ExpiredLease_JobRunsAgainElsewhere_AndTheStaleOwnerIsFenced()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        // Two slots: the stale owner still holds one (its message unacked), as a hung node would.
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 2), default);
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        var stale = await b.Queue.FetchAsync(fn, "node-a");

        // No renewal: the lease (2 s) runs out and the job is taken back, its attempt lost.
        await using var fresh = await b.Queue.FetchAsync(fn, "node-b", seconds: 20);
        Assert.Equal(job.Id, fresh.Job.Id);
        Assert.Equal(2, fresh.Job.Attempt);
        Assert.NotEqual(stale.Job.LeaseToken, fresh.Job.LeaseToken);

        Assert.False(await stale.RenewAsync(default));
        Assert.False(await stale.AckAsync(Jobs.Ok("stale"), default));
        await stale.DisposeAsync();
        Assert.True(await fresh.AckAsync(Jobs.Ok("fresh"), default));

        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal("node-b", record!.Node);
        Assert.Equal(["lost", "succeeded"], record.Attempts.Select(a => a.Outcome));
        Assert.Equal("fresh", Encoding.UTF8.GetString((await b.Jobs.GetResultAsync(job.Id, default))!.Body));
    }

    [Fact]
    public async Task Renew_KeepsTheLeaseBeyondItsDuration()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Queue.EnqueueAsync([Jobs.New(fn)], default);
        await using var lease = await b.Queue.FetchAsync(fn);
        for (var i = 0; i < 5; i++)
        {
            await Task.Delay(700);
            Assert.True(await lease.RenewAsync(default));
        }
        Assert.True(await lease.AckAsync(Jobs.Ok(), default));
    }

    [Fact]
    public async Task Cancel_WaitingJob_NeverRuns()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        Assert.Equal(JobCommandResult.Done, await b.Jobs.CancelAsync(job.Id, default));
        Assert.True(await b.Queue.NothingWithinAsync(fn, 1.5));
        Assert.Equal(JobStatus.Canceled, (await b.Jobs.GetJobAsync(job.Id, default))!.Status);
        Assert.Equal(JobCommandResult.NotFound, await b.Jobs.CancelAsync(JobId.New(), default));
    }

    [Fact]
    public async Task Delayed_IsScheduledUntilDue_ThenRuns()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn, runAt: DateTimeOffset.UtcNow.AddSeconds(2));
        await b.Queue.EnqueueAsync([job], default);
        Assert.Equal(JobStatus.Scheduled, (await b.Jobs.GetJobAsync(job.Id, default))!.Status);
        Assert.True(await b.Queue.NothingWithinAsync(fn, 1));
        await using var lease = await b.Queue.FetchAsync(fn);
        Assert.Equal(job.Id, lease.Job.Id);
        Assert.True(await lease.AckAsync(Jobs.Ok(), default));
    }

    [Fact]
    public async Task Paused_StopsDispatch_ResumeStartsIt()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        Assert.True(await b.Functions.SetPausedAsync(fn, true, default));
        await Task.Delay(1100); // the RabbitMQ backend caches a function's settings for a second
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        Assert.True(await b.Queue.NothingWithinAsync(fn, 2));
        Assert.True(await b.Functions.SetPausedAsync(fn, false, default));
        await using var lease = await b.Queue.FetchAsync(fn);
        Assert.Equal(job.Id, lease.Job.Id);
        Assert.True(await lease.AckAsync(Jobs.Ok(), default));
    }

    [Fact]
    public async Task MaxAge_OldJobIsDeadLetteredAsExpired_NotRun()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, maxAge: TimeSpan.FromSeconds(5)), default);
        var old = Jobs.New(fn, createdAt: DateTimeOffset.UtcNow.AddMinutes(-1));
        var young = Jobs.New(fn);
        await b.Queue.EnqueueAsync([old, young], default);
        await using (var lease = await b.Queue.FetchAsync(fn))
        {
            Assert.Equal(young.Id, lease.Job.Id);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }
        // maxAge is checked at dispatch: the broker may deliver the old job after the young one
        // (publishes confirm in parallel), so keep asking, as a worker pool would. It must never
        // be handed out, only dead-lettered.
        Assert.True(await b.Queue.NothingWithinAsync(fn, 2));
        var record = await b.Jobs.WaitForEndAsync(old.Id, new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        Assert.Equal(JobStatus.Failed, record!.Status);
        Assert.Equal(ErrorKind.Expired, record.Error!.Kind);
    }

    [Fact]
    public async Task WaitForEnd_CompletesWhenAnotherCallerAcks()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        var waiting = b.Jobs.WaitForEndAsync(job.Id, deadline.Token);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        await using (var lease = await b.Queue.FetchAsync(fn))
            await lease.AckAsync(Jobs.Ok(), default);
        Assert.Equal(JobStatus.Succeeded, (await waiting)!.Status);
    }

    [Fact]
    public async Task ManyJobs_ManyFetchers_EachJobSucceedsExactlyOnce()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 8), default);
        var jobs = Enumerable.Range(0, 300).Select(i => Jobs.New(fn, $"p{i}")).ToArray();
        // Half in batches, half one by one, all at once: concurrent callers share statements
        // (PostgreSQL's group commit), and each must still get back exactly its own jobs.
        await Task.WhenAll(jobs[..150].Chunk(10).Select(chunk => b.Queue.EnqueueAsync(chunk, default))
            .Concat(jobs[150..].Select(job => b.Queue.EnqueueAsync([job], default))));

        var acked = new ConcurrentDictionary<string, int>();
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        async Task Fetcher(string node)
        {
            while (acked.Count < jobs.Length && !stop.IsCancellationRequested)
            {
                IJobLease lease;
                try
                {
                    using var wait = CancellationTokenSource.CreateLinkedTokenSource(stop.Token);
                    wait.CancelAfter(TimeSpan.FromSeconds(3));
                    lease = await b.Queue.FetchAsync(fn, node, wait.Token);
                }
                catch (OperationCanceledException)
                {
                    continue;
                }
                await using (lease)
                {
                    // The result echoes the payload: a lease or an ack matched to the wrong job shows.
                    if (await lease.AckAsync(Jobs.Ok("r-" + Encoding.UTF8.GetString(lease.Job.Payload)), default))
                        acked.AddOrUpdate(lease.Job.Id, 1, (_, n) => n + 1);
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Fetcher($"node-{i % 2}")));

        Assert.Equal(jobs.Length, acked.Count);
        Assert.All(acked.Values, n => Assert.Equal(1, n));
        for (var i = 0; i < jobs.Length; i++)
            Assert.Equal($"r-p{i}", Encoding.UTF8.GetString((await b.Jobs.GetResultAsync(jobs[i].Id, default))!.Body));
        var stats = Assert.Single(await b.Monitor.GetQueuesAsync(default), q => q.Name == fn);
        Assert.Equal(jobs.Length, stats.Succeeded);
        Assert.Equal(0, stats.Ready + stats.Running + stats.Scheduled);
    }
}

public sealed class SqliteQueueContract : QueueContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class RabbitPostgresQueueContract : QueueContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisQueueContract : QueueContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
