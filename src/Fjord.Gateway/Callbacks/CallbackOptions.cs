using System.Net;
using Fjord.Core.Functions;

namespace Fjord.Gateway.Callbacks;

/// <summary>How job callbacks (<c>X-Callback-Url</c>) are delivered.</summary>
public sealed record CallbackOptions
{
    /// <summary>One try's budget: connect, send, and the receiver's answer. A slow receiver costs a try, never a worker slot.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Waits between tries: exponential with jitter, 1 s doubling up to 5 min.</summary>
    public Backoff Backoff { get; init; } = Backoff.Default;

    /// <summary>Tries before a callback is given up (its tries stay visible on the job).</summary>
    public int MaxTries { get; init; } = 10;

    /// <summary>Deliveries in flight at once.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>How often an idle dispatcher looks for due callbacks (a read, no write).</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>What callbacks may reach beyond public addresses (<c>--callback-allow</c>); nothing by default.</summary>
    public CallbackAllowList Allow { get; init; } = CallbackAllowList.None;

    /// <summary>Name resolution for the intake and connect checks; tests swap it to play DNS rebinding.</summary>
    internal Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; init; } = Dns.GetHostAddressesAsync;
}
