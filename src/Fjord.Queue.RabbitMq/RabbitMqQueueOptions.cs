using Microsoft.Extensions.Logging;

namespace Fjord.Queue.RabbitMq;

/// <summary>How a node talks to the broker.</summary>
public sealed record RabbitMqQueueOptions
{
    /// <summary>
    /// <c>amqp://user:pass@host:port/vhost</c>, or <c>amqps://…</c> for TLS (the certificate is
    /// verified against the host name; <c>?cacertfile=/path/ca.pem</c> trusts a private CA, see BrokerTls).
    /// </summary>
    public required string BrokerUri { get; init; }

    /// <summary>Shown in the broker's connection list: the node's name and role.</summary>
    public string ClientName { get; init; } = "fjord";

    /// <summary>
    /// AMQP heartbeat. A silent link (partition, dead peer) is noticed after about two missed
    /// beats on both sides: the broker then requeues what this node held unacked.
    /// </summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The timeout of every single broker call (connect, declare, publish+confirm, ack).</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Publishes awaiting their confirm at once on the publishing channel; more wait their turn.</summary>
    public int MaxPublishesInFlight { get; init; } = 256;

    /// <summary>How often the relay looks for due outbox rows (retries, delays, failed publishes) and expired leases.</summary>
    public TimeSpan RelayInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    public ILoggerFactory? LoggerFactory { get; init; }
}
