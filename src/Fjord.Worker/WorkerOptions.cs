using Fjord.Core.Functions;
using Fjord.Core.Storage;
using Fjord.Runtime;

namespace Fjord.Worker;

/// <summary>How this node runs function pools.</summary>
public sealed record WorkerOptions
{
    /// <summary>The node's name in job records, metrics and the dashboard.</summary>
    public required string Node { get; init; }

    /// <summary>Where bundles are unpacked, one folder per content hash.</summary>
    public required string BundleDir { get; init; }

    /// <summary>Most bytes one bundle may unpack to (<c>--max-bundle-unpacked</c>); a bigger one fails its pool, unpacked no further.</summary>
    public long MaxBundleUnpackedBytes { get; init; } = BundleArchive.DefaultMaxUnpackedBytes;

    /// <summary>Creates the runner of one pool slot: (spec, function folder or null) → runner.</summary>
    public required Func<FunctionSpec, string?, IFunctionRunner> CreateRunner { get; init; }

    /// <summary>Creates the runner of one pool slot of an image function; null: this node runs no images.</summary>
    public Func<FunctionSpec, Fjord.Core.Images.ImageRoot, IFunctionRunner>? CreateImageRunner { get; init; }

    /// <summary>Where images are fetched, unpacked and composed (Images/ImageCache); default: <c>images</c> beside <see cref="BundleDir"/>.</summary>
    public string? ImageDir { get; init; }

    /// <summary>How often the image cache drops what the store no longer holds (after `fjord images prune`).</summary>
    public TimeSpan ImageSweepInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Only these functions run here; null runs every deployed function.</summary>
    public IReadOnlySet<string>? Functions { get; init; }

    /// <summary>
    /// How often a running job renews its lease. Must be well inside the store's lease duration
    /// (30 s embedded) so one missed renewal does not hand the job to someone else.
    /// </summary>
    public TimeSpan RenewInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the node re-reads the deployed functions (a deploy through this process nudges it at once).</summary>
    public TimeSpan ReconcileInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>On stop, running jobs get this long to finish before their processes are killed and the jobs handed back.</summary>
    public TimeSpan DrainGrace { get; init; } = TimeSpan.FromSeconds(10);

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>How often elastic pools are looked at (a job for a pool at zero is heard at once, not at the next look).</summary>
    public TimeSpan ScaleInterval { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The operator's <c>--max-processes</c>: function processes on this node at once, over every pool; null = no cap.</summary>
    public int? MaxProcesses { get; init; }

    /// <summary>The operator's <c>--max-memory</c>: the functions' <c>memory</c> × processes, over every pool; null = no cap.</summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>Where elastic pools learn the depth and age of their ready jobs; null = from their own slots (no scale from zero).</summary>
    public Fjord.Core.Queue.IBacklogSource? Backlog { get; init; }

    /// <summary>
    /// The store's secrets (versions only are read here): a pool whose function names a secret
    /// that changed is replaced at the next reconcile, so its warm processes restart with the new value.
    /// </summary>
    public ISecretStore? Secrets { get; init; }

    /// <summary>Where the latency histograms are observed; null observes nothing.</summary>
    public Metrics.JobMetrics? Metrics { get; init; }

    /// <summary>Where running attempts' logs are published as written (`logs -f`); null publishes nothing.</summary>
    public Fjord.Core.Jobs.LiveLogs? LiveLogs { get; init; }
}
