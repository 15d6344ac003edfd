using System.CommandLine;
using Spectre.Console;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord functions ls | rm | pause | resume`.</summary>
internal static class FunctionsCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("functions", "List, remove, pause or resume deployed functions");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Remove(console));
        command.Subcommands.Add(SetPaused(console, paused: true));
        command.Subcommands.Add(SetPaused(console, paused: false));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var command = new Command("ls", "List deployed functions and the state of their pools");
        command.Aliases.Add("list");
        command.SetAction(async (_, ct) =>
        {
            using var client = CreateClient(console);
            var functions = await client.ListFunctionsAsync(ct);
            var table = NewTable("NAME", "RUNTIME", "MODE", "CONCURRENCY", "WORKERS", "PAUSED", "HEALTHY");
            foreach (var f in functions)
            {
                var workers = f.Busy is { } busy ? $"{Cell(f.Workers)} ({busy} busy)" : Cell(f.Workers);
                var healthy = f.Healthy is false && f.Problem is { } problem ? $"no: {problem}" : Cell(f.Healthy);
                table.AddRow(Cell(f.Name), Cell(f.Runtime), Cell(f.Mode), Cell(f.Concurrency), workers, Cell(f.Paused), healthy);
            }
            Ansi(console).Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        var name = FunctionArgument("The function to remove (its job records stay)");
        var command = new Command("rm", "Remove a function") { name };
        command.Aliases.Add("remove");
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            await client.DeleteFunctionAsync(result.GetValue(name)!, ct);
            await console.Out.WriteLineAsync($"{result.GetValue(name)}  removed");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command SetPaused(CliConsole console, bool paused)
    {
        var name = FunctionArgument(paused ? "The function to pause" : "The function to resume");
        var command = new Command(
            paused ? "pause" : "resume",
            paused ? "Stop dispatching the function's jobs; intake keeps accepting" : "Restart dispatching the function's jobs")
        { name };
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            await client.SetPausedAsync(result.GetValue(name)!, paused, ct);
            await console.Out.WriteLineAsync($"{result.GetValue(name)}  {(paused ? "paused" : "resumed")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
