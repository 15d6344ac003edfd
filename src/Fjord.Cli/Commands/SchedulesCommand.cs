using System.CommandLine;
using Fjord.Cli.Client;
using Fjord.Core.Functions;
using Spectre.Console;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord schedules ls | trigger | pause | resume` (<c>/v1/schedules</c>).</summary>
internal static class SchedulesCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("schedules", "List, trigger, pause or resume the functions' cron schedules");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Action(console, "trigger", "Run the schedule now, whatever its cron says (a job like its fire times make)"));
        command.Subcommands.Add(Action(console, "pause", "Stop the schedule's fire times (runs made by hand still work)"));
        command.Subcommands.Add(Action(console, "resume", "Restart the schedule from now; fire times passed while paused are not caught up"));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var function = new Option<string?>("--function") { Description = "Only this function's schedules" };
        var command = new Command("ls", "List every schedule: cron, zone, next and last fire time, last job, skips") { function };
        command.Aliases.Add("list");
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            var rows = await client.ListSchedulesAsync(result.GetValue(function), ct);
            var table = NewTable("FUNCTION", "SCHEDULE", "CRON", "ZONE", "NEXT (UTC)", "LAST (UTC)", "LAST JOB", "SKIPPED", "PAUSED");
            foreach (var s in rows)
            {
                table.AddRow(
                    Cell(s.String("function")), Cell(s.String("name")), Cell(s.String("cron")), Cell(s.String("timezone")),
                    Cell(s.Time("nextFireAt")), Cell(s.Time("lastFireAt")), Cell(s.String("lastJobId")),
                    Cell(s.Number("skipped") ?? 0), Cell(s.Bool("paused") ?? false));
            }
            if (rows.Count == 0)
                table.Caption("no schedules (add `schedules:` to a function in fjord.yml)");
            Ansi(console).Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Action(CliConsole console, string action, string description)
    {
        var function = FunctionArgument("The function");
        var schedule = new Argument<string>("schedule") { Description = "The schedule's name" };
        schedule.Validators.Add(result =>
        {
            if (!FunctionSpec.IsValidName(result.GetValueOrDefault<string>()))
                result.AddError($"'{result.GetValueOrDefault<string>()}' is not a schedule name (lower-case letters, digits, inner dashes)");
        });
        var command = new Command(action, description) { function, schedule };
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            var (f, s) = (result.GetValue(function)!, result.GetValue(schedule)!);
            var answer = await client.ScheduleCommandAsync(f, s, action, ct);
            await console.Out.WriteLineAsync(action == "trigger"
                ? answer.String("id")
                : $"{f}/{s}  {(action == "pause" ? "paused" : "resumed")}");
            return ExitCodes.Success;
        });
        return command;
    }
}
