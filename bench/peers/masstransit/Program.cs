using System.Globalization;
using Fjord.Peers;
using MassTransit;

// MassTransit 8.5 on RabbitMQ, as PEERS.md ran it: publisher confirms (MassTransit's default),
// durable queue and persistent messages (its defaults), a worker process with prefetch 100 and a
// no-op consumer limited to 8 concurrent messages. The producer sends with 1,000 in flight.
//   MassTransitPeer JOBS AMQP_URI          both measurements, one JSON line
//   MassTransitPeer worker AMQP_URI JOBS   (started by the first form) the worker process
const string Queue = "peers-masstransit";
const int InFlight = 1000;

if (args[0] == "worker")
{
    NoopConsumer.Expected = int.Parse(args[2], CultureInfo.InvariantCulture);
    var worker = Bus.Factory.CreateUsingRabbitMq(cfg =>
    {
        cfg.Host(new Uri(args[1]));
        cfg.ReceiveEndpoint(Queue, e =>
        {
            e.PrefetchCount = 100;
            e.ConcurrentMessageLimit = 8;
            e.Consumer<NoopConsumer>();
        });
    });
    await worker.StartAsync();
    Console.WriteLine("ready");
    Console.WriteLine(PeerProcess.FormatMs(await NoopConsumer.Done.Task));
    await worker.StopAsync();
    return;
}

var jobs = int.Parse(args[0], CultureInfo.InvariantCulture);
var uri = new Uri(args[1]);
var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(uri));
await bus.StartAsync();
try
{
    var endpoint = await bus.GetSendEndpoint(new Uri($"queue:{Queue}"));

    // Warm-up: the JIT tiers the send path up over the first thousands of calls (Fjord's own
    // benchmark warms up the same way). Sending to queue:NAME declares the queue; each run
    // starts on an empty one, as the raw RabbitMQ peer's do.
    await SendAsync(endpoint, 2000);
    await PurgeAsync(uri);
    var enqueueStart = PeerProcess.NowMs();
    await SendAsync(endpoint, jobs);
    var enqueueEnd = PeerProcess.NowMs();
    await PurgeAsync(uri);

    var e2e = await PeerProcess.EndToEndAsync([uri.ToString(), args[0]], async () =>
    {
        var start = PeerProcess.NowMs();
        await SendAsync(endpoint, jobs);
        return start;
    });

    PeerProcess.Report("masstransit", "MassTransit 8.5 on RabbitMQ 3.10: publisher confirms, durable queue, persistent, send with 1000 in flight, prefetch 100, concurrency 8",
        jobs, (enqueueEnd - enqueueStart) / 1000, (e2e.LastMs - e2e.StartMs) / 1000);
}
finally
{
    await bus.StopAsync();
}

static async Task SendAsync(ISendEndpoint endpoint, int count)
{
    var next = 0;
    var message = new NoopMessage(12345, "noop", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab");
    await Task.WhenAll(Enumerable.Range(0, InFlight).Select(async _ =>
    {
        while (Interlocked.Increment(ref next) <= count)
            await endpoint.Send(message);
    }));
}

static async Task PurgeAsync(Uri uri)
{
    await using var connection = await new RabbitMQ.Client.ConnectionFactory { Uri = uri }.CreateConnectionAsync();
    await using var channel = await connection.CreateChannelAsync();
    await channel.QueuePurgeAsync(Queue);
}
