using System.Net;
using System.Net.Sockets;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Queue.RabbitMq;
using Fjord.Storage.Postgres;
using Fjord.Tests.Shared;
using Npgsql;

namespace Fjord.Backends.Tests;

/// <summary>What only the RabbitMQ + PostgreSQL pairing has to prove: the outbox closes the dual-write gap.</summary>
public sealed class RabbitDeliveryTests
{
    [Fact]
    public async Task Enqueue_BrokerUnreachable_Throws503AndStoresNothing()
    {
        // A port nobody listens on: the broker is "down" from this node's point of view.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        await using var b = await RabbitPostgresBackend.CreateAsync($"amqp://fjord:x@127.0.0.1:{port}/fjord");
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);

        Assert.False((await b.Rabbit.CheckAsync(default)).Ready);
        await Assert.ThrowsAsync<StoreUnavailableException>(() => b.Queue.EnqueueAsync([job], default));
        Assert.Null(await b.Jobs.GetJobAsync(job.Id, default));
        Assert.Equal(0, await b.Store.Ledger.OutboxCountAsync(default));
    }

    [Fact]
    public async Task Enqueue_BrokerRefusesPartOfABatch_Answers503AndRunsNoneOfIt()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var open = Jobs.NewFunction();
        var full = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(open, concurrency: 1), default);
        // The broker refuses publishes to `full` once it holds one ready message (a real nack,
        // as a queue past its length limit or a failing replica gives): a batch for both
        // functions then has its `open` part confirmed, and delivered, and its `full` part refused.
        var policy = "test-" + full;
        Services.RabbitCtl("set_policy", "-p", "fjord", "--apply-to", "queues", policy,
            $"^{QueueNames.For(full).Replace(".", "\\.", StringComparison.Ordinal)}$", """{"max-length":1,"overflow":"reject-publish"}""");
        try
        {
            await b.Queue.EnqueueAsync([Jobs.New(full)], default);
            // The queue tells publishers it is full a moment after it is: wait until it refuses.
            for (var i = 0; ; i++)
            {
                try
                {
                    await b.Queue.EnqueueAsync([Jobs.New(full)], default);
                }
                catch (StoreUnavailableException)
                {
                    break;
                }
                Assert.True(i < 50, "the broker never refused a publish to the full queue");
                await Task.Delay(100);
            }

            // A worker waits on `open` throughout, as a live cluster's would.
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var fetch = b.Queue.FetchAsync(open, "node-a", stop.Token);
            await Task.Delay(500);
            var batch = Enumerable.Range(0, 6).Select(i => Jobs.New(open, $"p{i}")).Append(Jobs.New(full)).ToArray();
            await Assert.ThrowsAsync<StoreUnavailableException>(() => b.Queue.EnqueueAsync(batch, default));

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fetch);
            foreach (var job in batch)
                Assert.Equal(JobStatus.Canceled, (await b.Jobs.GetJobAsync(job.Id, default))!.Status);
        }
        finally
        {
            Services.RabbitCtl("clear_policy", "-p", "fjord", policy);
        }
        Assert.True(await b.Queue.NothingWithinAsync(open, 1.5));
    }

    [Fact]
    public async Task Outbox_RowCommittedButNeverPublished_IsPublishedByTheRelay()
    {
        // The intake node dies between its commit and its publish: only the outbox row is left.
        await using var b = await RabbitPostgresBackend.CreateAsync(inlineClaim: TimeSpan.FromSeconds(1));
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        var stored = await b.Store.Ledger.EnqueueAsync([job], default);
        Assert.Single(stored.PublishNow);

        await using var lease = await b.Queue.FetchAsync(fn, seconds: 20);
        Assert.Equal(job.Id, lease.Job.Id);
        Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        Assert.Equal(0, await b.Store.Ledger.OutboxCountAsync(default));
    }

    /// <summary>
    /// What docs/deploy.md's "one vhost per Fjord cluster" warns of: a node takes a message from
    /// its function's queue, finds no such job in its own store, and acks it as stale, so a
    /// second cluster (another PostgreSQL database) on the same vhost never runs that job.
    /// </summary>
    [Fact]
    public async Task AMessageWhoseJobThisStoreDoesNotKnow_IsAckedAsStale_SoAnotherClusterOnTheVhostNeverGetsIt()
    {
        await using var ours = await RabbitPostgresBackend.CreateAsync();
        await using var theirs = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await ours.Queue.EnqueueAsync([job], default);

        Assert.True(await theirs.Queue.NothingWithinAsync(fn, 5));
        Assert.True(await ours.Queue.NothingWithinAsync(fn, 3));
        Assert.Equal(JobStatus.Queued, (await ours.Jobs.GetJobAsync(job.Id, default))!.Status);
        Assert.Equal(0, await ours.Store.Ledger.OutboxCountAsync(default));
    }

    [Fact]
    public async Task Outbox_EveryAcceptedJobEndsWithNoRowLeft()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        var jobs = Enumerable.Range(0, 50).Select(_ => Jobs.New(fn)).ToArray();
        await Task.WhenAll(jobs.Select(j => b.Queue.EnqueueAsync([j], default)));
        Assert.Equal(0, await b.Store.Ledger.OutboxCountAsync(default));
        for (var i = 0; i < jobs.Length; i++)
        {
            await using var lease = await b.Queue.FetchAsync(fn);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }
        foreach (var job in jobs)
            Assert.Equal(JobStatus.Succeeded, (await b.Jobs.GetJobAsync(job.Id, default))!.Status);
    }

    [Fact]
    public async Task DuplicateMessage_ForAFinishedJob_IsDroppedNotRunAgain()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync(inlineClaim: TimeSpan.FromMilliseconds(200));
        var fn = Jobs.NewFunction();
        var job = Jobs.New(fn);
        await b.Queue.EnqueueAsync([job], default);
        await using (var lease = await b.Queue.FetchAsync(fn))
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));

        // Force a second message for the same job, as a relay racing intake would publish.
        await using (var connection = new NpgsqlConnection(PgConnectionStringOf(b)))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("INSERT INTO outbox (job_id, function, due_at) VALUES ($1, $2, 0)", connection);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = job.Id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = fn });
            await command.ExecuteNonQueryAsync();
        }
        b.Rabbit.NudgeRelay();
        Assert.True(await b.Queue.NothingWithinAsync(fn, 2));
        var record = await b.Jobs.GetJobAsync(job.Id, default);
        Assert.Single(record!.Attempts);
        Assert.Equal(0, await b.Store.Ledger.OutboxCountAsync(default));
    }

    [Fact]
    public async Task IdleSubscription_HandsItsPrefetchedMessagesToAnotherNode()
    {
        await using var b = await RabbitPostgresBackend.CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn, concurrency: 3), default);
        var jobs = Enumerable.Range(0, 3).Select(_ => Jobs.New(fn)).ToArray();
        await b.Queue.EnqueueAsync(jobs, default);

        // Node A runs one job, then its pool goes away: the other two sit in its prefetch.
        await using (var lease = await b.Queue.FetchAsync(fn, "node-a"))
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));

        await using var other = await Fjord.Queue.RabbitMq.RabbitMqQueue.StartAsync(new Fjord.Queue.RabbitMq.RabbitMqQueueOptions
        {
            BrokerUri = Fjord.Tests.Shared.Services.BrokerUri,
            RelayInterval = TimeSpan.FromMilliseconds(200),
        }, b.Store.Ledger, default);
        for (var i = 0; i < 2; i++)
        {
            await using var lease = await other.FetchAsync(fn, "node-b", seconds: 20);
            Assert.True(await lease.AckAsync(Jobs.Ok(), default));
        }
        foreach (var job in jobs)
            Assert.Equal(JobStatus.Succeeded, (await b.Jobs.GetJobAsync(job.Id, default))!.Status);
    }

    private static string PgConnectionStringOf(RabbitPostgresBackend b) => PgConnectionString.Normalize(b.Store.Options.ConnectionString);
}
