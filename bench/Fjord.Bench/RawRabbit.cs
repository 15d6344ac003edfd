using System.Diagnostics;
using System.Globalization;
using Fjord.Storage.Postgres;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Fjord.Bench;

/// <summary>
/// The floor Fjord on RabbitMQ is compared with: the same jobs as raw messages, with the
/// durability Fjord asks of the broker and nothing else. A durable quorum queue, persistent
/// messages, publisher confirms with many in flight, manual acks, a no-op consumer of
/// <see cref="Concurrency"/> handlers. Publisher and consumer have their own connections, as
/// separate producer and worker processes would.
/// </summary>
internal static class RawRabbit
{
    private const ushort Concurrency = 8;
    private const int PublishesInFlight = 256;

    /// <summary>
    /// From the first publish to the last ack, the consumer subscribed and idle at the start.
    /// With <paramref name="ledger"/> (a PostgreSQL URI) each message also costs what any design
    /// keeping a job record in the database pays at least: one INSERT (committed) before its
    /// publish, one UPDATE (committed) before its ack.
    /// </summary>
    public static async Task<LoadResult> EndToEndAsync(string broker, int count, ushort prefetch, byte[] payload, string? ledger = null)
    {
        await using var db = ledger is null ? null : NpgsqlDataSource.Create(PgConnectionString.Normalize(ledger));
        if (db is not null)
        {
            await using var create = db.CreateCommand("CREATE TABLE IF NOT EXISTS floor (id bigint PRIMARY KEY, payload bytea NOT NULL, status int NOT NULL)");
            await create.ExecuteNonQueryAsync();
        }
        var idBase = Random.Shared.NextInt64(1, 1L << 40) * 1_000_000;
        var queue = $"fjord.bench.raw-{Guid.NewGuid():N}";
        var factory = new ConnectionFactory { Uri = new Uri(broker), ConsumerDispatchConcurrency = Concurrency };
        await using var consumerConnection = await factory.CreateConnectionAsync("bench-consumer");
        await using var publisherConnection = await factory.CreateConnectionAsync("bench-publisher");
        await using var consuming = await consumerConnection.CreateChannelAsync();
        await consuming.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
        await consuming.BasicQosAsync(0, prefetch, global: false);

        var acked = 0;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(consuming);
        consumer.ReceivedAsync += async (_, e) =>
        {
            if (db is not null)
            {
                await using var update = db.CreateCommand("UPDATE floor SET status = 1 WHERE id = $1");
                update.Parameters.Add(new NpgsqlParameter<long> { TypedValue = long.Parse(e.BasicProperties.MessageId!, CultureInfo.InvariantCulture) });
                await update.ExecuteNonQueryAsync();
            }
            await consuming.BasicAckAsync(e.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref acked) == count)
                done.TrySetResult();
        };
        await consuming.BasicConsumeAsync(queue, autoAck: false, consumer);

        // With tracking on, each publish completes at its own confirm; the limiter keeps at most
        // PublishesInFlight unconfirmed, like Fjord's own publishing channel.
        await using var publishing = await publisherConnection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(PublishesInFlight)));
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var errors = 0;
        // The limiter refuses (rather than queues) publishes far beyond its window: keep the
        // window here too, so every publish waits its turn instead.
        using var window = new SemaphoreSlim(PublishesInFlight);
        var sw = Stopwatch.StartNew();
        var publishes = new Task[count];
        for (var i = 0; i < count; i++)
        {
            await window.WaitAsync();
            publishes[i] = db is null
                ? Publish(publishing.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, payload))
                : Publish(InsertThenPublish(idBase + i));
        }
        await Task.WhenAll(publishes);
        if (errors == 0)
            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = sw.Elapsed;
        await consuming.QueueDeleteAsync(queue);
        return new LoadResult(db is null ? $"raw rabbit prefetch {prefetch}" : $"raw rabbit + pg prefetch {prefetch}", count, elapsed, [], errors);

        async ValueTask InsertThenPublish(long id)
        {
            await using (var insert = db!.CreateCommand("INSERT INTO floor (id, payload, status) VALUES ($1, $2, 0)"))
            {
                insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = id });
                insert.Parameters.Add(new NpgsqlParameter<byte[]> { TypedValue = payload });
                await insert.ExecuteNonQueryAsync();
            }
            var withId = new BasicProperties { Persistent = true, ContentType = "application/json", MessageId = id.ToString(CultureInfo.InvariantCulture) };
            await publishing.BasicPublishAsync(string.Empty, queue, mandatory: true, withId, payload);
        }

        async Task Publish(ValueTask publish)
        {
            try
            {
                await publish;
            }
            catch (PublishException)
            {
                Interlocked.Increment(ref errors);
            }
            finally
            {
                window.Release();
            }
        }
    }
}
