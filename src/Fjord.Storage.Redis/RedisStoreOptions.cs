using Microsoft.Extensions.Logging;

namespace Fjord.Storage.Redis;

/// <summary>Where the records live, under which key prefix, and how long a lease lives without renewal.</summary>
public sealed record RedisStoreOptions
{
    /// <summary><c>redis://user:pass@host:port/db</c>, or <c>rediss://…</c> for TLS.</summary>
    public required string ConnectionString { get; init; }

    /// <summary>Every key and channel Fjord uses starts with this (an ACL user may be limited to <c>~fjord:*</c> and <c>&amp;fjord:*</c>).</summary>
    public string Prefix { get; init; } = "fjord:";

    /// <summary>How long a claim lives without renewal, on the Redis server's clock (one clock for every node).</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often this node looks for leases that ran out (every node does; the script makes it safe).</summary>
    public TimeSpan ReapInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Start even when the server does not fsync every write (appendonly no, or appendfsync other
    /// than always). Off by default: without it a 202 may be lost in a power cut (docs/deploy.md).
    /// </summary>
    public bool AllowUnsafeDurability { get; init; }

    /// <summary>The CA file for <c>rediss://</c> when the server's certificate is not signed by a system CA.</summary>
    public string? TlsCaFile { get; init; }

    /// <summary>Payloads and results of at least this many bytes are kept Brotli-compressed (when that is smaller).</summary>
    public int CompressAbove { get; init; } = 16 * 1024;

    /// <summary>
    /// The most bytes one payload or result may take in Redis, as stored (compressed when it is):
    /// a payload beyond is refused (413, nothing stored), a result beyond fails its job.
    /// </summary>
    public long MaxBodyBytes { get; init; } = DefaultMaxBodyBytes;

    public const long DefaultMaxBodyBytes = 1024 * 1024;

    /// <summary>
    /// Replicas that must hold an accepted job before intake answers 202 (Redis WAIT after the
    /// enqueue script); 0 waits for none. Fewer within <see cref="ReplicaTimeout"/>: 503.
    /// </summary>
    public int Replicas { get; init; }

    /// <summary>How long intake waits for <see cref="Replicas"/> to acknowledge a job.</summary>
    public TimeSpan ReplicaTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a worker's completions and claims may wait for its other short jobs still running,
    /// to go to Redis as one call (one fsync); zero sends each batch at once. See RedisStore.Hold.cs.
    /// </summary>
    public TimeSpan CompletionHold { get; init; } = TimeSpan.FromMilliseconds(3);

    public ILoggerFactory? LoggerFactory { get; init; }
}
