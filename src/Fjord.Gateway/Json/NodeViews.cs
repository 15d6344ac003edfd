using Fjord.Core.Nodes;

namespace Fjord.Gateway.Json;

/// <summary><c>GET /v1/nodes</c> (CONTRACT §6); the dashboard reads exactly this shape.</summary>
internal sealed class NodesView
{
    public required IReadOnlyList<NodeView> Nodes { get; init; }
}

internal sealed class NodeView
{
    public required string Id { get; init; }
    public required string Role { get; init; }
    public required string Version { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset LastSeenAt { get; init; }
    public bool Alive { get; init; }
    public required IReadOnlyList<string> Warnings { get; init; }
    public required HostView Host { get; init; }
    public required ProcessView Process { get; init; }
    public required IReadOnlyList<SlotView> Slots { get; init; }

    /// <summary>Bytes of function images this node caches on disk (archives being fetched, layers, roots); null for a gateway.</summary>
    public long? ImageCacheBytes { get; init; }

    /// <summary>Interpreter versions the node runs functions with (<c>python</c> → <c>3.11</c>, <c>node</c> → <c>20</c>, <c>php</c> → <c>8.2</c>); null for a gateway or an older node.</summary>
    public IReadOnlyDictionary<string, string>? Runtimes { get; init; }

    /// <summary>The node's report; slots of functions outside the key's namespace are left out.</summary>
    public static NodeView From(NodeRecord record, Func<string, bool> covers)
    {
        var r = record.Report;
        var h = r.Host;
        return new NodeView
        {
            Id = r.Id,
            Role = r.Role,
            Version = r.Version,
            StartedAt = r.StartedAt,
            LastSeenAt = record.LastSeenAt,
            Alive = record.Alive,
            Warnings = r.Warnings,
            Host = new HostView
            {
                Cpus = h.Cpus,
                CpuBusy = Math.Round(h.CpuBusy, 4),
                CpuSteal = Math.Round(h.CpuSteal, 4),
                Load1 = h.Load1,
                MemTotalBytes = h.MemTotalBytes,
                MemAvailableBytes = h.MemAvailableBytes,
                DiskFreeBytes = h.DiskFreeBytes,
            },
            Process = new ProcessView { RssBytes = r.Process.RssBytes },
            Slots = [.. r.Slots.Where(s => covers(s.Function)).Select(s => new SlotView { Function = s.Function, Busy = s.Busy, Total = s.Total })],
            ImageCacheBytes = r.ImageCacheBytes,
            Runtimes = r.Runtimes,
        };
    }
}

internal sealed class HostView
{
    public int Cpus { get; init; }
    public double CpuBusy { get; init; }
    public double CpuSteal { get; init; }
    public double Load1 { get; init; }
    public long MemTotalBytes { get; init; }
    public long MemAvailableBytes { get; init; }
    public long DiskFreeBytes { get; init; }
}

internal sealed class ProcessView
{
    public long RssBytes { get; init; }
}

internal sealed class SlotView
{
    public required string Function { get; init; }
    public int Busy { get; init; }
    public int Total { get; init; }
}
