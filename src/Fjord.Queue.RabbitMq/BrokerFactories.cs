using RabbitMQ.Client;

namespace Fjord.Queue.RabbitMq;

/// <summary>How Fjord opens every AMQP connection: the broker backend's and the queue triggers'.</summary>
public static class BrokerFactories
{
    /// <summary>
    /// A factory without the client's automatic recovery (callers reconnect themselves, so a
    /// delivery always belongs to a channel they know is current), one timeout for every call,
    /// and the URI's TLS settings (<see cref="BrokerTls"/>).
    /// </summary>
    public static ConnectionFactory Create(string uri, TimeSpan heartbeat, TimeSpan callTimeout, string clientName)
    {
        var factory = new ConnectionFactory
        {
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            RequestedHeartbeat = heartbeat,
            RequestedConnectionTimeout = callTimeout,
            HandshakeContinuationTimeout = callTimeout,
            ContinuationTimeout = callTimeout,
            SocketReadTimeout = callTimeout,
            SocketWriteTimeout = callTimeout,
            ClientProvidedName = clientName,
        };
        BrokerTls.Configure(factory, uri);
        return factory;
    }
}
