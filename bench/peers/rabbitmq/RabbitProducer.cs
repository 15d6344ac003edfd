using RabbitMQ.Client;

namespace Fjord.Peers;

/// <summary>The producer: persistent messages, each publish awaiting its own confirm, 1,000 at a time.</summary>
internal static class RabbitProducer
{
    private const int InFlight = 1000;

    public static async Task<(double StartMs, double EndMs)> PublishAsync(Uri uri, string queue, int jobs)
    {
        await using var connection = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync("peer-producer");
        // The lanes below bound what is in flight; the client's own limiter would add delays from
        // half of its limit on.
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true,
            publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null));
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        var next = 0;
        var start = PeerProcess.NowMs();
        await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) <= jobs)
                await channel.BasicPublishAsync(string.Empty, queue, mandatory: true, properties, PeerProcess.Payload);
        }));
        return (start, PeerProcess.NowMs());
    }
}
