using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>Cancel of a running job, run against every backend: recorded, fenced, and told to the lease holder.</summary>
public abstract class CancelContract
{
    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task Cancel_RunningJob_RecordsTheAttempt_FencesTheLease_AndTellsItsHolder()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn, callbackUrl: "http://127.0.0.1:9/cb");
        await b.Queue.EnqueueAsync([job], default);
        await using var lease = await b.Queue.FetchAsync(fn, "node-a");
        Assert.False(lease.Canceled.IsCancellationRequested);

        Assert.Equal(JobCommandResult.Done, await b.Jobs.CancelAsync(job.Id, default));

        // The holder hears it without renewing (RabbitMQ + PostgreSQL: through NOTIFY).
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            using var heard = CancellationTokenSource.CreateLinkedTokenSource(lease.Canceled, deadline.Token);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, heard.Token));
            Assert.True(lease.Canceled.IsCancellationRequested, "the lease was not told of the cancel within 15 s");
        }
        Assert.False(await lease.RenewAsync(default));
        Assert.False(await lease.AckAsync(Jobs.Ok(), default));

        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal(JobStatus.Canceled, record!.Status);
        Assert.Equal(ErrorKind.Canceled, record.Error!.Kind);
        var attempt = Assert.Single(record.Attempts);
        Assert.Equal("canceled", attempt.Outcome);
        Assert.Equal("node-a", attempt.Node);
        Assert.Equal(JobCommandResult.WrongState, await b.Jobs.CancelAsync(job.Id, default));

        var callback = Assert.Single(await b.Callbacks.ClaimDueCallbacksAsync(10, TimeSpan.FromMinutes(1), default));
        Assert.Equal(JobStatus.Canceled, callback.Status);
        Assert.Equal(ErrorKind.Canceled, callback.Error?.Kind);
        Assert.True(await b.Queue.NothingWithinAsync(fn, 1));
    }

    [Fact]
    public async Task Cancel_OtherJobsLease_IsNotTold()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 2), default);
        var kept = Jobs.New(fn);
        var canceled = Jobs.New(fn);
        await b.Queue.EnqueueAsync([kept, canceled], default);
        await using var first = await b.Queue.FetchAsync(fn);
        await using var second = await b.Queue.FetchAsync(fn);
        var (keptLease, canceledLease) = first.Job.Id == kept.Id ? (first, second) : (second, first);

        Assert.Equal(JobCommandResult.Done, await b.Jobs.CancelAsync(canceled.Id, default));
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var heard = CancellationTokenSource.CreateLinkedTokenSource(canceledLease.Canceled, deadline.Token);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Task.Delay(Timeout.Infinite, heard.Token));

        Assert.False(keptLease.Canceled.IsCancellationRequested);
        Assert.True(await keptLease.AckAsync(Jobs.Ok(), default));
    }
}

public sealed class SqliteCancelContract : CancelContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class RabbitPostgresCancelContract : CancelContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisCancelContract : CancelContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
