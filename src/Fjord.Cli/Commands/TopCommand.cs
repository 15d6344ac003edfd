using System.CommandLine;
using Fjord.Cli.Client;
using Fjord.Core.Functions;
using Spectre.Console;
using Spectre.Console.Rendering;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord top`: a live view of every function's queue, polled from the read side (<c>GET /v1/queues</c>).</summary>
internal static class TopCommand
{
    public static Command Build(CliConsole console)
    {
        var once = new Option<bool>("--once") { Description = "Print one table and exit" };
        var interval = new Option<string>("--interval")
        {
            Description = "Time between polls (default 1s)",
            DefaultValueFactory = _ => "1s",
        };
        interval.Validators.Add(r =>
        {
            if (!Quantity.TryParseDuration(r.GetValueOrDefault<string>(), out var span) || span < TimeSpan.FromMilliseconds(100))
                r.AddError($"--interval '{r.GetValueOrDefault<string>()}' is not a duration of at least 100ms");
        });
        var command = new Command("top", "Live view of every function's queue (ready, scheduled, running, done/s, failed, workers) and every node (busy, steal, memory)") { once, interval };
        command.SetAction(async (result, ct) =>
        {
            Quantity.TryParseDuration(result.GetValue(interval), out var period);
            using var client = CreateClient(console);
            var rates = new QueueRates(TimeProvider.System);
            var ansi = Ansi(console);
            if (result.GetValue(once))
            {
                ansi.Write(await RenderAllAsync(client, rates, ct));
                return ExitCodes.Success;
            }
            try
            {
                if (console.Interactive)
                    await LiveAsync(ansi, client, rates, period, ct);
                else
                    await RepeatAsync(ansi, client, rates, period, ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C is how `top` is meant to end.
            }
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task LiveAsync(IAnsiConsole ansi, FjordClient client, QueueRates rates, TimeSpan period, CancellationToken ct)
    {
        var first = await RenderAllAsync(client, rates, ct);
        await ansi.Live(first).StartAsync(async live =>
        {
            while (true)
            {
                await Task.Delay(period, ct);
                live.UpdateTarget(await RenderAllAsync(client, rates, ct));
            }
        });
    }

    /// <summary>Piped output cannot redraw in place: append one table per poll instead.</summary>
    private static async Task RepeatAsync(IAnsiConsole ansi, FjordClient client, QueueRates rates, TimeSpan period, CancellationToken ct)
    {
        while (true)
        {
            ansi.Write(await RenderAllAsync(client, rates, ct));
            await Task.Delay(period, ct);
        }
    }

    /// <summary>The queues, and below them the nodes pane with each node's steal (the figure that says a host is oversold).</summary>
    private static async Task<IRenderable> RenderAllAsync(FjordClient client, QueueRates rates, CancellationToken ct)
    {
        var queues = Render(await client.GetQueuesAsync(ct), rates, client.Url);
        IReadOnlyList<NodeRow> nodes;
        try
        {
            nodes = await client.GetNodesAsync(ct);
        }
        catch (FjordApiException)
        {
            // An older gateway without /v1/nodes, or a key that may not read it: the queues alone.
            return queues;
        }
        return new Rows(queues, NodesCommand.Render(nodes));
    }

    internal static Table Render(IReadOnlyList<QueueRow> rows, QueueRates rates, Uri url)
    {
        var done = rates.Update(rows);
        var table = NewTable("FUNCTION", "READY", "SCHEDULED", "RUNNING", "DONE/S", "SUCCEEDED", "FAILED (DEAD)", "WORKERS", "PAUSED");
        table.Title($"fjord top  {Markup.Escape(url.ToString())}  {DateTimeOffset.UtcNow:HH:mm:ss} UTC");
        foreach (var row in rows.OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            var rate = done.TryGetValue(row.Name, out var r) ? r.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) : "-";
            table.AddRow(Cell(row.Name), Cell(row.Ready), Cell(row.Scheduled), Cell(row.Running), rate, Cell(row.Succeeded), Cell(row.Failed), Cell(row.Workers), Cell(row.Paused));
        }
        if (rows.Count == 0)
            table.Caption("no functions deployed");
        return table;
    }
}
