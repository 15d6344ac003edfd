using Fjord.Core.Jobs;
using Fjord.Queue.RabbitMq;
using Fjord.Tests.Shared;

namespace Fjord.Backends.Tests;

/// <summary>The broker's side of elastic pools: the depth the scaler reads, and a prefetch that follows the pool's size.</summary>
public sealed class RabbitCapacityTests
{
    [Fact]
    public async Task GetBacklog_ReportsTheQueuesDepth_Capped()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        var idle = Jobs.NewFunction();
        await b.Queue.EnqueueAsync(Enumerable.Range(0, 5).Select(_ => Jobs.New(fn)).ToArray(), default);

        var backlog = await b.Rabbit.GetBacklogAsync([fn, idle], cap: 100, default);
        Assert.Equal(5, backlog[fn].Ready);
        Assert.Equal(0, backlog[idle].Ready);
        Assert.Equal(3, (await b.Rabbit.GetBacklogAsync([fn], cap: 3, default))[fn].Ready);
    }

    [Fact]
    public async Task PoolBelowMax_HoldsOnlyItsSize_TheRestGoesToAnotherNode()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 4), default);
        // Node A's elastic pool has one process of max 4: it must prefetch one message, not four.
        b.Rabbit.SetCapacity(fn, 1);
        var jobs = Enumerable.Range(0, 4).Select(_ => Jobs.New(fn)).ToArray();
        await b.Queue.EnqueueAsync(jobs, default);
        await using var running = await b.Queue.FetchAsync(fn, "node-a");

        await using var other = await SecondNodeAsync(b);
        // While A's job still runs (so A's subscription is not idle), B gets the other three.
        for (var i = 0; i < 3; i++)
        {
            await using var lease = await other.FetchAsync(fn, "node-b", seconds: 5);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }
        Assert.True(await running.AckAsync(Jobs.Ok(), default));
        await AssertRanOnceAsync(b, jobs);
    }

    [Fact]
    public async Task PoolShrinks_WaitingMessagesAreHandedBack_RunningOnesStillAckOnce()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 4), default);
        b.Rabbit.SetCapacity(fn, 4);
        var jobs = Enumerable.Range(0, 4).Select(_ => Jobs.New(fn)).ToArray();
        await b.Queue.EnqueueAsync(jobs, default);
        // A took one and holds three more in its prefetch of four.
        var first = await b.Queue.FetchAsync(fn, "node-a");

        // Its pool shrinks to one: the next fetch re-subscribes with prefetch 1, hands the
        // waiting messages back and takes one more. A then holds two (the one still running on
        // the cancelled consumer and the new one), never the other two.
        b.Rabbit.SetCapacity(fn, 1);
        await using var second = await b.Queue.FetchAsync(fn, "node-a");

        await using var other = await SecondNodeAsync(b);
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await other.FetchAsync(fn, "node-b", seconds: 5);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }
        // The first job's ack, on the cancelled consumer's channel, still lands, once.
        Assert.True(await first.AckAsync(Jobs.Ok(), default));
        await first.DisposeAsync();
        Assert.True(await second.AckAsync(Jobs.Ok(), default));
        await AssertRanOnceAsync(b, jobs);
        Assert.True(await other.NothingWithinAsync(fn, 1));
    }

    private static Task<RabbitMqQueue> SecondNodeAsync(RabbitPostgresBackend b) => RabbitMqQueue.StartAsync(new RabbitMqQueueOptions
    {
        BrokerUri = Services.BrokerUri,
        RelayInterval = TimeSpan.FromMilliseconds(200),
    }, b.Store.Ledger, default);

    private static async Task AssertRanOnceAsync(RabbitPostgresBackend b, IEnumerable<NewJob> jobs)
    {
        foreach (var job in jobs)
        {
            var record = (await b.Jobs.GetJobAsync(job.Id, default))!;
            Assert.Equal(JobStatus.Succeeded, record.Status);
            Assert.Single(record.Attempts);
        }
    }
}
