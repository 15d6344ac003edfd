using System.Text.Json;

namespace Fjord.Cli.Client;

/// <summary>One node of <c>GET /v1/nodes</c>, as `fjord nodes ls` and `fjord top` show it.</summary>
internal sealed record NodeRow(
    string Id,
    string Role,
    string Version,
    bool Alive,
    DateTimeOffset? LastSeenAt,
    int Cpus,
    double CpuBusy,
    double CpuSteal,
    double Load1,
    long MemTotalBytes,
    long MemAvailableBytes,
    long DiskFreeBytes,
    long RssBytes,
    int SlotsBusy,
    int SlotsTotal,
    IReadOnlyList<string> Warnings)
{
    /// <summary>The node's interpreters (runtime → version); empty for a gateway or an older node.</summary>
    public IReadOnlyDictionary<string, string> Runtimes { get; init; } = new Dictionary<string, string>();

    public static NodeRow From(JsonElement node)
    {
        var host = node.Get("host") ?? default;
        var slots = node.Array("slots").ToList();
        return new NodeRow(
            node.String("id") ?? "?",
            node.String("role") ?? "?",
            node.String("version") ?? "?",
            node.Bool("alive") ?? false,
            node.Time("lastSeenAt"),
            (int)(host.Number("cpus") ?? 0),
            Fraction(host, "cpuBusy"),
            Fraction(host, "cpuSteal"),
            Fraction(host, "load1"),
            host.Number("memTotalBytes") ?? 0,
            host.Number("memAvailableBytes") ?? 0,
            host.Number("diskFreeBytes") ?? 0,
            (node.Get("process") ?? default).Number("rssBytes") ?? 0,
            (int)slots.Sum(s => s.Number("busy") ?? 0),
            (int)slots.Sum(s => s.Number("total") ?? 0),
            [.. node.Array("warnings").Where(w => w.ValueKind == JsonValueKind.String).Select(w => w.GetString()!)])
        {
            Runtimes = node.Get("runtimes") is { ValueKind: JsonValueKind.Object } runtimes
                ? runtimes.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String).ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                : new Dictionary<string, string>(),
        };
    }

    private static double Fraction(JsonElement element, string name) =>
        element.Get(name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : 0;
}
