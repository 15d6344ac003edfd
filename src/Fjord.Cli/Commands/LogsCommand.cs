using System.CommandLine;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>`fjord logs JOB_ID [--attempt N] [-f]`: the job's captured stderr and print output, as text; -f follows it until the job ends.</summary>
internal static class LogsCommand
{
    public static Command Build(CliConsole console)
    {
        var id = JobArgument();
        var follow = new Option<bool>("--follow", "-f") { Description = "Print the log as it is written, until the job ends (each attempt in turn)" };
        var attempt = new Option<int?>("--attempt") { Description = "The log of this attempt (default: the latest)" };
        attempt.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int?>() is < 1)
                r.AddError("--attempt must be 1 or more");
        });
        var command = new Command("logs", "Print a job's captured log (stderr, print output)") { id, follow, attempt };
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            if (result.GetValue(follow))
            {
                var status = await client.FollowLogsAsync(
                    result.GetValue(id)!,
                    line => console.Out.WriteLineAsync(line),
                    n => console.Error.WriteLineAsync($"--- attempt {n} ---"),
                    ct);
                await console.Error.WriteLineAsync($"--- job {status} ---");
                return ExitCodes.Success;
            }
            var log = result.GetValue(attempt) is { } n
                ? await client.GetAttemptLogAsync(result.GetValue(id)!, n, ct)
                : await client.GetLogsAsync(result.GetValue(id)!, ct);
            await console.Out.WriteAsync(log);
            if (log.Length > 0 && !log.EndsWith('\n'))
                await console.Out.WriteLineAsync();
            return ExitCodes.Success;
        });
        return command;
    }
}
