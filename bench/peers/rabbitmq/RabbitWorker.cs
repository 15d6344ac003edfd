using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Fjord.Peers;

/// <summary>The worker process: prints "ready" once consuming, then the time of the JOBS-th ack.</summary>
internal static class RabbitWorker
{
    public static async Task RunAsync(Uri uri, string queue, int jobs)
    {
        var factory = new ConnectionFactory { Uri = uri, ConsumerDispatchConcurrency = 8 };
        await using var connection = await factory.CreateConnectionAsync("peer-worker");
        await using var channel = await connection.CreateChannelAsync();
        await channel.BasicQosAsync(0, prefetchCount: 100, global: false);

        var acked = 0;
        var done = new TaskCompletionSource<double>(TaskCreationOptions.RunContinuationsAsynchronously);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false);
            if (Interlocked.Increment(ref acked) == jobs)
                done.SetResult(PeerProcess.NowMs());
        };
        await channel.BasicConsumeAsync(queue, autoAck: false, consumer);
        Console.WriteLine("ready");
        Console.WriteLine(PeerProcess.FormatMs(await done.Task));
    }
}
