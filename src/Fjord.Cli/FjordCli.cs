using System.CommandLine;
using Fjord.Cli.Commands;

namespace Fjord.Cli;

/// <summary>
/// The `fjord` command tree and its single error boundary: every failure ends as one line
/// <c>fjord: message</c> on stderr and an exit code of CONTRACT §1, never a stack trace.
/// </summary>
internal static class FjordCli
{
    public static RootCommand BuildRoot(CliConsole console)
    {
        var root = new RootCommand("Fjord: self-hosted serverless functions. Client commands use $FJORD_URL and $FJORD_KEY.");
        root.Subcommands.Add(UpCommandLine.Build(console));
        root.Subcommands.Add(DeployCommand.Build(console));
        root.Subcommands.Add(Scaffold.NewCommand.Build(console));
        root.Subcommands.Add(FunctionsCommand.Build(console));
        root.Subcommands.Add(InvokeCommand.Build(console));
        root.Subcommands.Add(JobsCommand.Build(console));
        root.Subcommands.Add(LogsCommand.Build(console));
        root.Subcommands.Add(TopCommand.Build(console));
        root.Subcommands.Add(SecretsCommand.Build(console));
        root.Subcommands.Add(NodesCommand.Build(console));
        root.Subcommands.Add(ImagesCommand.Build(console));
        root.Subcommands.Add(SchedulesCommand.Build(console));
        root.Subcommands.Add(RoleCommands.Gateway(console));
        root.Subcommands.Add(RoleCommands.Worker(console));
        root.Subcommands.Add(KeysCommand.Build(console));
        root.Subcommands.Add(AdminKeyCommand.Build(console));
        root.Subcommands.Add(BackupCommands.Backup(console));
        root.Subcommands.Add(BackupCommands.Restore(console));
        root.Subcommands.Add(DoctorCommand.Build(console));
        BuildInfo.UseFor(root, console);
        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliConsole console, CancellationToken cancellationToken)
    {
        try
        {
            // No response files: `-d @payload.json` is curl's "read this file", handled by invoke.
            var parse = BuildRoot(console).Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
            if (parse.Errors.Count > 0)
            {
                var path = CommandPath(parse);
                var help = path.Length == 0 ? "fjord --help" : $"fjord {path} --help";
                await console.Error.WriteLineAsync($"fjord: {parse.Errors[0].Message.TrimEnd('.')} (see `{help}`)");
                return ExitCodes.Usage;
            }
            var configuration = new InvocationConfiguration
            {
                Output = console.Out,
                Error = console.Error,
                // Program owns the signals: `up` must be able to drain for as long as it needs.
                ProcessTerminationTimeout = null,
                EnableDefaultExceptionHandler = false,
            };
            return await parse.InvokeAsync(configuration, cancellationToken);
        }
        catch (CliException e)
        {
            await console.Error.WriteLineAsync($"fjord: {e.Message}");
            return e.ExitCode;
        }
        catch (Fjord.Core.Storage.StoreVersionException e)
        {
            await console.Error.WriteLineAsync($"fjord: {e.Message}");
            return ExitCodes.StoreTooNew;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync("fjord: interrupted");
            return ExitCodes.Interrupted;
        }
#pragma warning disable CA1031 // The one place every unexpected failure is turned into a line instead of a stack trace.
        catch (Exception e)
#pragma warning restore CA1031
        {
            await console.Error.WriteLineAsync($"fjord: unexpected error: {e.Message} ({e.GetType().Name})");
            return ExitCodes.Failed;
        }
    }

    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Add(result.Command.Name);
        names.Reverse();
        return string.Join(' ', names.Skip(1));
    }
}
