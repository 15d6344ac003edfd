using System.Collections.Concurrent;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>The callback outbox (ICallbackOutbox), run against every backend.</summary>
public abstract class CallbackContract
{
    private const string Url = "http://127.0.0.1:9/cb";
    private static readonly TimeSpan Hold = TimeSpan.FromMinutes(1);

    protected abstract Task<Backend> CreateAsync();

    [Fact]
    public async Task Ack_QueuesTheCallback_AndAClaimHoldsIt()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn, callbackUrl: Url);
        await b.Queue.EnqueueAsync([job, Jobs.New(fn)], default); // the second has no callback: no row
        Assert.Empty(await b.Callbacks.ClaimDueCallbacksAsync(10, Hold, default));
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }

        var callback = Assert.Single(await b.Callbacks.ClaimDueCallbacksAsync(10, Hold, default));
        Assert.Equal(job.Id, callback.JobId);
        Assert.Equal(Url, callback.Url);
        Assert.Equal(JobStatus.Succeeded, callback.Status);
        Assert.Equal(1, callback.Attempt);
        Assert.Null(callback.Error);
        Assert.Equal(0, callback.Tries);
        // Held while the first delivery runs: nobody else is handed it.
        Assert.Empty(await b.Callbacks.ClaimDueCallbacksAsync(10, Hold, default));
    }

    [Fact]
    public async Task Record_SchedulesTheNextTry_ThenEnds_AndTheJobShowsEveryTry()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn, maxAttempts: 1, callbackUrl: Url);
        await b.Queue.EnqueueAsync([job], default);
        await using (var lease = await b.Queue.FetchAsync(fn))
            Assert.True(await lease.DeadLetterAsync(Jobs.Failed("bad"), default));

        var first = Assert.Single(await b.Callbacks.ClaimDueCallbacksAsync(10, Hold, default));
        Assert.Equal(JobStatus.Failed, first.Status);
        Assert.Equal(ErrorKind.Exit, first.Error?.Kind);
        Assert.Equal("bad", first.Error?.Message);
        await b.Callbacks.RecordCallbackAsync(first.Id, new CallbackDelivery(DateTimeOffset.UtcNow, 500, "HTTP 500"), DateTimeOffset.UtcNow.AddHours(1), default);
        Assert.Empty(await b.Callbacks.ClaimDueCallbacksAsync(10, Hold, default));
        // Due again at once (a next try in the past).
        await b.Callbacks.RecordCallbackAsync(first.Id, new CallbackDelivery(DateTimeOffset.UtcNow, null, "no answer"), DateTimeOffset.UtcNow.AddSeconds(-1), default);
        var second = Assert.Single(await b.Callbacks.ClaimDueCallbacksAsync(10, Hold, default));
        Assert.Equal(first.Id, second.Id);
        Assert.Equal(2, second.Tries);
        await b.Callbacks.RecordCallbackAsync(second.Id, new CallbackDelivery(DateTimeOffset.UtcNow, 204, null), null, default);
        Assert.Empty(await b.Callbacks.ClaimDueCallbacksAsync(10, TimeSpan.FromMilliseconds(1), default));

        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Equal([500, null, 204], record!.Callbacks.Select(c => c.StatusCode));
        Assert.Equal([1, 2, 3], record.Callbacks.Select(c => c.Number));
        Assert.All(record.Callbacks, c => Assert.Equal(JobStatus.Failed, c.JobStatus));
    }

    [Fact]
    public async Task Claim_ByManyDispatchersAtOnce_HandsEachCallbackToOne()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 40), default);
        var jobs = Enumerable.Range(0, 40).Select(i => Jobs.New(fn, $"p{i}", callbackUrl: Url)).ToArray();
        await b.Queue.EnqueueAsync(jobs, default);
        for (var i = 0; i < jobs.Length; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }

        // Four dispatchers claim until all are taken: a claim may come back short while another
        // holds rows it is about to take, so each keeps going until the count is reached.
        var claimed = new ConcurrentBag<string>();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (claimed.Count < jobs.Length && DateTime.UtcNow < deadline)
            {
                foreach (var callback in await b.Callbacks.ClaimDueCallbacksAsync(3, Hold, default))
                    claimed.Add(callback.JobId);
            }
        })));
        Assert.Equal(jobs.Length, claimed.Count);
        Assert.Equal(jobs.Select(j => j.Id).Order(), claimed.Order());
    }
}

public sealed class SqliteCallbackContract : CallbackContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class RabbitPostgresCallbackContract : CallbackContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}

public sealed class RedisCallbackContract : CallbackContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();
}
