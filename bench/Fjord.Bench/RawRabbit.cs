using System.Diagnostics;
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

    /// <summary>From the first publish to the last ack, the consumer subscribed and idle at the start.</summary>
    public static async Task<LoadResult> EndToEndAsync(string broker, int count, ushort prefetch, byte[] payload)
    {
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
            publishes[i] = Publish(publishing.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, payload));
        }
        await Task.WhenAll(publishes);
        if (errors == 0)
            await done.Task.WaitAsync(TimeSpan.FromMinutes(5));
        var elapsed = sw.Elapsed;
        await consuming.QueueDeleteAsync(queue);
        return new LoadResult($"raw rabbit prefetch {prefetch}", count, elapsed, [], errors);

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
