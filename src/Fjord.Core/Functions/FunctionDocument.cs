using Fjord.Core.Schedules;

namespace Fjord.Core.Functions;

/// <summary>
/// The wire and file form of one function: one entry of fjord.yml, or the JSON body of
/// <c>PUT /v1/functions/{name}</c>. Everything is optional here; <see cref="FunctionSpec.Parse"/>
/// applies the defaults and says what is wrong.
/// </summary>
public sealed class FunctionDocument
{
    public string? Runtime { get; set; }
    public string? Path { get; set; }
    public string? Handler { get; set; }
    public List<string>? Command { get; set; }
    public string? Mode { get; set; }
    /// <summary>A number (fixed pool) or <c>{min, max}</c> (elastic pool).</summary>
    public ConcurrencyDocument? Concurrency { get; set; }

    /// <summary>Elastic pools: how long a process may go without work before the pool shrinks by one (default 5m).</summary>
    public string? IdleTimeout { get; set; }

    /// <summary>Elastic pools: the pool grows while ready jobs wait longer than this (default 1s).</summary>
    public string? TargetWait { get; set; }
    public string? Timeout { get; set; }
    public string? Memory { get; set; }

    /// <summary>CPU quota in cores (0.5 = half a core).</summary>
    public double? Cpu { get; set; }
    public int? MaxAttempts { get; set; }
    public BackoffDocument? Backoff { get; set; }
    public bool? Network { get; set; }
    public Dictionary<string, string>? Env { get; set; }
    public int? MaxQueueDepth { get; set; }
    public string? MaxAge { get; set; }

    /// <summary>Names of the secrets the function may read, as files under /run/secrets.</summary>
    public List<string>? Secrets { get; set; }

    /// <summary>Queue triggers: <c>[{ amqp: { url, queue, declare, prefetch, name } }]</c>.</summary>
    public List<TriggerDocument>? Triggers { get; set; }

    /// <summary>python/node: the interpreter version the function's dependencies are built for (<c>3.11</c>, <c>20</c>); `fjord deploy` refuses to build them with another.</summary>
    public string? RuntimeVersion { get; set; }

    /// <summary>How long ended jobs are kept: <c>{ succeeded: 7d, failed: 30d, canceled: 7d }</c>; unset states take the node's default.</summary>
    public RetentionDocument? Retention { get; set; }

    /// <summary>Content hash of the uploaded bundle; set by the server, ignored on input.</summary>
    public string? Bundle { get; set; }

    /// <summary>Cron schedules (name, cron, timezone, payload, overlap, catchUp).</summary>
    public List<ScheduleDocument?>? Schedules { get; set; }

    /// <summary>
    /// The function's image: in fjord.yml the path of a <c>docker save</c> / OCI archive (relative to
    /// the file); on the wire the digest `fjord deploy` uploaded it under (<c>sha256:…</c>, the hash of the archive's bytes).
    /// </summary>
    public string? Image { get; set; }

    /// <summary>The image's size in bytes; set by the server from the stored image, ignored on input.</summary>
    public long? ImageSize { get; set; }
}

public sealed class BackoffDocument
{
    public string? Initial { get; set; }
    public string? Max { get; set; }
}
