using System.CommandLine;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord logs JOB_ID`: the job's captured stderr and print output, as text.</summary>
internal static class LogsCommand
{
    public static Command Build(CliConsole console)
    {
        var id = JobArgument();
        var command = new Command("logs", "Print a job's captured log (stderr, print output)") { id };
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            var log = await client.GetLogsAsync(result.GetValue(id)!, ct);
            await console.Out.WriteAsync(log);
            if (log.Length > 0 && !log.EndsWith('\n'))
                await console.Out.WriteLineAsync();
            return ExitCodes.Success;
        });
        return command;
    }
}
