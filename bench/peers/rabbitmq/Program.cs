using Fjord.Peers;
using RabbitMQ.Client;

// Raw RabbitMQ, the ceiling the job systems are measured against: a durable classic queue,
// persistent messages, publisher confirms with up to 1,000 in flight, and a worker process with
// manual acks, prefetch 100 and a no-op consumer at concurrency 8.
//   RabbitPeer JOBS AMQP_URI          both measurements, one JSON line
//   RabbitPeer worker AMQP_URI JOBS   (started by the first form) the worker process
const string Queue = "peers.raw";

if (args[0] == "worker")
{
    await RabbitWorker.RunAsync(new Uri(args[1]), Queue, int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture));
    return;
}

var jobs = int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
var uri = new Uri(args[1]);
await using (var connection = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync())
await using (var channel = await connection.CreateChannelAsync())
    await channel.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false);

// Warm-up: the JIT tiers the publish path up over the first thousands of calls (Fjord's own
// benchmark warms up the same way).
await RabbitProducer.PublishAsync(uri, Queue, 2000);
await PurgeAsync();
var enqueue = await RabbitProducer.PublishAsync(uri, Queue, jobs);
await PurgeAsync();

var e2e = await PeerProcess.EndToEndAsync([uri.ToString(), args[0]],
    async () => (await RabbitProducer.PublishAsync(uri, Queue, jobs)).StartMs);

PeerProcess.Report("rabbitmq", "raw RabbitMQ.Client 7.2 on RabbitMQ 3.10: classic durable queue, persistent, confirms (1000 in flight), manual ack, prefetch 100, concurrency 8",
    jobs, (enqueue.EndMs - enqueue.StartMs) / 1000, (e2e.LastMs - e2e.StartMs) / 1000);

async Task PurgeAsync()
{
    await using var connection = await new ConnectionFactory { Uri = uri }.CreateConnectionAsync();
    await using var channel = await connection.CreateChannelAsync();
    await channel.QueuePurgeAsync(Queue);
}
