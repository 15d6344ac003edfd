using System.Net;
using System.Net.Sockets;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Storage.Postgres;
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
        }, b.Store, default);
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
