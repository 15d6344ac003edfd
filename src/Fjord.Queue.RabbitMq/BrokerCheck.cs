using RabbitMQ.Client;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// `fjord doctor`'s broker line: connects with the URI the node would use and exercises the rights
/// Fjord needs on its queues (configure: declare; write: publish; read: get) on a throwaway,
/// exclusive queue named like Fjord's own (<c>fjord.fn.</c>…), so permissions scoped to that prefix are tested.
/// </summary>
public static class BrokerCheck
{
    /// <returns>Null when every step worked, else what failed.</returns>
    public static async Task<string?> RunAsync(string brokerUri, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            AutomaticRecoveryEnabled = false,
            RequestedConnectionTimeout = timeout,
            HandshakeContinuationTimeout = timeout,
            ContinuationTimeout = timeout,
            ClientProvidedName = "fjord-doctor",
        };
        string step = "connect";
        try
        {
            BrokerTls.Configure(factory, brokerUri);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await using var connection = await factory.CreateConnectionAsync(deadline.Token);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: deadline.Token);
            var queue = QueueNames.Prefix + "doctor-" + Guid.NewGuid().ToString("N")[..12];
            step = "declare a queue (configure right)";
            await channel.QueueDeclareAsync(queue, durable: false, exclusive: true, autoDelete: true, cancellationToken: deadline.Token);
            step = "publish (write right)";
            await channel.BasicPublishAsync(string.Empty, queue, mandatory: false, new BasicProperties(), "doctor"u8.ToArray(), deadline.Token);
            step = "get (read right)";
            _ = await channel.BasicGetAsync(queue, autoAck: true, deadline.Token);
            step = "delete the queue (configure right)";
            await channel.QueueDeleteAsync(queue, cancellationToken: deadline.Token);
            return null;
        }
#pragma warning disable CA1031 // A diagnosis: every failure is the answer, whatever its type.
        catch (Exception e)
#pragma warning restore CA1031
        {
            return $"{step} failed: {Inner(e).Message}";
        }
    }

    private static Exception Inner(Exception e) => e is AggregateException { InnerException: { } inner } ? inner : e.InnerException is { } i && e is RabbitMQ.Client.Exceptions.BrokerUnreachableException ? i : e;
}
