namespace Fjord.Core.Nodes;

/// <summary>
/// What one Fjord process says about itself in each heartbeat (every <see cref="NodeHeartbeat.DefaultInterval"/>):
/// who it is, and the host figures sampled from /proc over the interval since the previous beat.
/// Stored as one row per node; <c>GET /v1/nodes</c>, the node gauges and `fjord nodes ls` read it.
/// </summary>
public sealed record NodeReport
{
    public required string Id { get; init; }

    /// <summary><c>up</c> (gateway and worker in one process), <c>gateway</c> or <c>worker</c>.</summary>
    public required string Role { get; init; }

    public required string Version { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When the report was taken. The stores keep their own clock's time of the write beside it.</summary>
    public required DateTimeOffset LastSeenAt { get; init; }

    public required HostFigures Host { get; init; }
    public required ProcessFigures Process { get; init; }
    public IReadOnlyList<SlotFigures> Slots { get; init; } = [];

    /// <summary>Bytes of function images (fetched archives, layers, composed roots) this node keeps on disk; null when it runs no worker.</summary>
    public long? ImageCacheBytes { get; init; }

    /// <summary>
    /// The interpreters this node runs functions with, by runtime (<c>python</c> → <c>3.11</c>, <c>node</c> → <c>20</c>,
    /// <c>php</c> → <c>8.2</c>), probed once at start; null for a node without a worker, a missing interpreter is absent.
    /// `fjord deploy` refuses to build dependencies with another version than live nodes report.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Runtimes { get; init; }
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>The machine: CPU busy and steal as fractions of all its CPUs over the interval, load, memory, the data folder's free disk.</summary>
public sealed record HostFigures(int Cpus, double CpuBusy, double CpuSteal, double Load1, long MemTotalBytes, long MemAvailableBytes, long DiskFreeBytes);

public sealed record ProcessFigures(long RssBytes);

/// <summary>A worker's pool of one function: slots running a job now, and slots in all.</summary>
public sealed record SlotFigures(string Function, int Busy, int Total)
{
    /// <summary>Processes the pool wants (its scaling rule); absent from beats of older nodes.</summary>
    public int? Desired { get; init; }

    /// <summary>The pool's last scaling decision, in words.</summary>
    public string? Reason { get; init; }
}

/// <summary>A stored report and whether the node is still heard from (silent for less than three heartbeats).</summary>
public sealed record NodeRecord(NodeReport Report, DateTimeOffset LastSeenAt, bool Alive);
