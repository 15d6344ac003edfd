using System.CommandLine;
using System.Globalization;
using Fjord.Cli.Client;
using Spectre.Console;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord nodes ls`: every node's latest heartbeat (<c>GET /v1/nodes</c>).</summary>
internal static class NodesCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("nodes", "Nodes of this Fjord: role, liveness and host figures (CPU steal, memory, disk)");
        var list = new Command("ls", "List every node with its latest heartbeat");
        list.Aliases.Add("list");
        list.SetAction(async (_, ct) =>
        {
            using var client = CreateClient(console);
            Ansi(console).Write(Render(await client.GetNodesAsync(ct)));
            return ExitCodes.Success;
        });
        command.Subcommands.Add(list);
        return command;
    }

    internal static Table Render(IReadOnlyList<NodeRow> nodes)
    {
        var table = NewTable("NODE", "ROLE", "ALIVE", "CPUS", "BUSY", "STEAL", "LOAD1", "MEM AVAIL", "DISK FREE", "RSS", "SLOTS", "WARNINGS");
        foreach (var n in nodes)
        {
            table.AddRow(
                Cell(n.Id), Cell(n.Role), Cell(n.Alive ? "yes" : "no (silent)"), Cell(n.Cpus), Percent(n.CpuBusy), Percent(n.CpuSteal),
                Cell(n.Load1.ToString("0.00", CultureInfo.InvariantCulture)),
                Cell($"{Bytes(n.MemAvailableBytes)} / {Bytes(n.MemTotalBytes)}"), Cell(Bytes(n.DiskFreeBytes)), Cell(Bytes(n.RssBytes)),
                Cell(n.SlotsTotal == 0 ? "-" : $"{n.SlotsBusy}/{n.SlotsTotal}"), Cell(string.Join("; ", n.Warnings)));
        }
        if (nodes.Count == 0)
            table.Caption("no node has reported yet");
        return table;
    }

    private static string Percent(double fraction) => fraction.ToString("0.0%", CultureInfo.InvariantCulture);

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1L << 30 => (bytes / (double)(1L << 30)).ToString("0.0", CultureInfo.InvariantCulture) + " GiB",
        >= 1L << 20 => (bytes / (double)(1L << 20)).ToString("0", CultureInfo.InvariantCulture) + " MiB",
        >= 1L << 10 => (bytes / 1024.0).ToString("0", CultureInfo.InvariantCulture) + " KiB",
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
