namespace Fjord.Gateway;

/// <summary>What the composition root tells the gateway.</summary>
public sealed record GatewayOptions
{
    /// <summary>The node's data folder; the generated admin key is written to <c>admin.key</c> here.</summary>
    public string? DataDir { get; init; }

    /// <summary>Largest payload accepted by the job, batch and invoke routes (413 beyond).</summary>
    public long MaxBodyBytes { get; init; } = 6 * 1024 * 1024;

    /// <summary>Largest code bundle (zip) accepted by <c>PUT /v1/functions/{name}/bundle</c>.</summary>
    public long MaxBundleBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Most bytes a bundle may unpack to (<c>--max-bundle-unpacked</c>); counted while decompressing, 400 beyond.</summary>
    public long MaxBundleUnpackedBytes { get; init; } = Core.Functions.BundleArchive.DefaultMaxUnpackedBytes;

    /// <summary>Largest image archive accepted by <c>PUT /v1/images/{digest}</c> (<c>--max-image-size</c>); 413 beyond.</summary>
    public long MaxImageBytes { get; init; } = Images.ImageCatalog.DefaultMaxImageBytes;

    /// <summary>Largest number of payloads in one <c>jobs:batch</c> request.</summary>
    public int MaxBatchCount { get; init; } = 10_000;

    /// <summary>
    /// How long a sync invocation waits beyond the function's timeout before answering 504: room
    /// for queueing and process start, so a job that finishes just inside its timeout still answers 200.
    /// </summary>
    public TimeSpan SyncInvokeGrace { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Delivery of job callbacks (<c>X-Callback-Url</c>).</summary>
    public Callbacks.CallbackOptions Callbacks { get; init; } = new();

    /// <summary>The operator's <c>--max-memory</c> / <c>--max-processes</c>: deploys beyond them are refused.</summary>
    public Functions.DeployCaps Caps { get; init; } = new();

    /// <summary>The value of <c>$FJORD_ADMIN_KEY</c>, when set.</summary>
    public string? AdminKeyFromEnvironment { get; init; }

    /// <summary>The rate limit of keys created without one (per gateway); null: such keys are not limited.</summary>
    public Core.Storage.KeyRateLimit? DefaultKeyRateLimit { get; init; }

    /// <summary>How often the gateway writes keys' last-use times to the store (never per request).</summary>
    public TimeSpan KeyUseFlushInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The node key that seals secrets (<c>&lt;data&gt;/secrets.key</c> or <c>$FJORD_SECRETS_KEY</c>); null: <c>PUT /v1/secrets</c> answers 503.</summary>
    public Fjord.Core.Secrets.SecretKey? SecretsKey { get; init; }

    /// <summary>Queue triggers (RabbitMQ consumers for the deployed functions' <c>triggers</c>).</summary>
    public Triggers.AmqpTriggerOptions AmqpTriggers { get; init; } = new();

    /// <summary>How long ended jobs are kept when their function does not say (<c>--retention</c>).</summary>
    public Core.Functions.Retention RetentionDefaults { get; init; } = Core.Functions.Retention.NodeDefault;

    /// <summary>How often the retention sweeper runs; zero turns it off.</summary>
    public TimeSpan RetentionSweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>The sweeper's pause between chunks: intake's writes go first.</summary>
    public TimeSpan RetentionChunkPause { get; init; } = TimeSpan.FromMilliseconds(5);
}
