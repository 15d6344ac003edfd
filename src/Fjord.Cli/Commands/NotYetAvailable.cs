using System.CommandLine;

namespace Fjord.Cli.Commands;

/// <summary>
/// Commands of CONTRACT §1 that this build does not carry yet (API key management). They are registered so `--help`
/// shows the whole surface and scripts get a clear usage error (2) instead of "unknown command".
/// </summary>
internal static class NotYetAvailable
{
    public static IEnumerable<Command> Build()
    {
        var keys = new Command("keys", "API keys");
        keys.Subcommands.Add(NotAvailable(new Command("create", "Create an API key")
        {
            new Option<string?>("--namespace") { Description = "Functions the key may use ('*' for all)" },
            new Option<string?>("--scope") { Description = "Comma-separated: invoke, deploy, read, admin" },
        }));
        keys.Subcommands.Add(NotAvailable(new Command("ls", "List API keys")));
        keys.Subcommands.Add(NotAvailable(new Command("revoke", "Revoke an API key") { new Argument<string>("id") }));
        yield return keys;
    }

    private static Command NotAvailable(Command command)
    {
        command.SetAction(int (ParseResult _) => throw CliException.Usage($"`{Path(command)}` is not available in this build yet"));
        return command;
    }

    private static string Path(Command command)
    {
        var names = new List<string> { command.Name };
        for (var parent = command.Parents.OfType<Command>().FirstOrDefault(); parent is not null && parent is not RootCommand; parent = parent.Parents.OfType<Command>().FirstOrDefault())
            names.Insert(0, parent.Name);
        return "fjord " + string.Join(' ', names);
    }
}
