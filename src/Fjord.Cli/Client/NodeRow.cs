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
            [.. node.Array("warnings").Where(w => w.ValueKind == JsonValueKind.String).Select(w => w.GetString()!)]);
    }

    private static double Fraction(JsonElement element, string name) =>
        element.Get(name) is { ValueKind: JsonValueKind.Number } v ? v.GetDouble() : 0;
}
