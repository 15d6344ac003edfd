namespace Fjord.Gateway.Triggers;

/// <summary>How the gateway runs queue triggers.</summary>
public sealed record AmqpTriggerOptions
{
    /// <summary>Off: this gateway consumes no trigger queue (another gateway of the cluster may).</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>How often the deployed functions are read to start, change and stop consumers (deploys through other gateways show within this).</summary>
    public TimeSpan Refresh { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The first wait after a lost connection or a refused connect; doubled up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a held consumer (function paused) looks again.</summary>
    public TimeSpan PausedPoll { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Connect, declare and consume calls give up after this.</summary>
    public TimeSpan CallTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>AMQP heartbeat: a dead broker or link is noticed within about twice this.</summary>
    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(10);
}
