using RabbitMQ.Client;

namespace Fjord.Queue.RabbitMq;

/// <summary>One received wake-up: the job it names, and where to ack it.</summary>
internal sealed record Delivery(IChannel Channel, ulong Tag, string JobId);
