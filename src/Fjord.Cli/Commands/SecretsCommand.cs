using System.CommandLine;
using System.Text;
using Fjord.Core.Secrets;
using Spectre.Console;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord secrets set | ls | rm`. A value given with --from-literal is on this command's own
/// command line, which every user of the machine can read (ps, /proc/PID/cmdline) while it runs
/// and which lands in shell history: --from-file FILE, or --from-file - for stdin, is preferred.
/// </summary>
internal static class SecretsCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("secrets", "Store, list or remove secrets; a function reads each one it names as /run/secrets/NAME");
        command.Subcommands.Add(Set(console));
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Remove(console));
        return command;
    }

    private static Argument<string> NameArgument(string description)
    {
        var argument = new Argument<string>("name") { Description = description };
        argument.Validators.Add(result =>
        {
            var value = result.GetValueOrDefault<string>();
            if (!SecretName.IsValid(value))
                result.AddError($"'{value}' is not a secret name ({SecretName.Rule})");
        });
        return argument;
    }

    private static Command Set(CliConsole console)
    {
        var name = NameArgument("The secret's name: the file name the function reads under /run/secrets");
        var fromFile = new Option<string?>("--from-file") { Description = "Read the value from this file, or from stdin with '-' (preferred)" };
        var fromLiteral = new Option<string?>("--from-literal") { Description = "The value itself (visible to other users in ps and kept in shell history: prefer --from-file)" };
        var command = new Command("set", "Create or replace a secret (at most 64 KiB); running functions get it at their next process start")
        {
            name, fromFile, fromLiteral,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetResult(fromFile) is null) == (result.GetResult(fromLiteral) is null))
                result.AddError("give the value with exactly one of --from-file FILE (or - for stdin) and --from-literal VALUE");
        });
        command.SetAction(async (result, ct) =>
        {
            var secret = result.GetValue(name)!;
            var value = result.GetValue(fromFile) is { } file
                ? await ReadValueAsync(console, file, ct)
                : Encoding.UTF8.GetBytes(result.GetValue(fromLiteral) ?? "");
            if (value.Length == 0)
                throw CliException.Usage("a secret must not be empty");
            if (value.Length > SecretName.MaxValueBytes)
                throw CliException.Usage($"a secret is at most {SecretName.MaxValueBytes} bytes; this one is {value.Length}");
            using var client = CreateClient(console);
            await client.PutSecretAsync(secret, value, ct);
            Array.Clear(value);
            await console.Out.WriteLineAsync($"{secret}  stored");
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<byte[]> ReadValueAsync(CliConsole console, string file, CancellationToken ct)
    {
        if (file == "-")
        {
            if (console.OpenStdin is not { } stdin)
                throw CliException.Usage("--from-file - needs the value piped into stdin");
            await using var input = stdin();
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, ct);
            return buffer.ToArray();
        }
        var path = console.ResolvePath(file);
        try
        {
            if (new FileInfo(path).Length > SecretName.MaxValueBytes)
                throw CliException.Usage($"a secret is at most {SecretName.MaxValueBytes} bytes; '{path}' is larger");
            return await File.ReadAllBytesAsync(path, ct);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CliException.Usage($"cannot read '{path}': {e.Message}");
        }
    }

    private static Command List(CliConsole console)
    {
        var command = new Command("ls", "List secrets: names, sizes and dates (values are never shown)");
        command.Aliases.Add("list");
        command.SetAction(async (_, ct) =>
        {
            using var client = CreateClient(console);
            var secrets = await client.ListSecretsAsync(ct);
            var table = NewTable("NAME", "SIZE", "CREATED", "UPDATED");
            foreach (var s in secrets)
                table.AddRow(Cell(s.Name), Cell(s.Size), Cell(s.CreatedAt), Cell(s.UpdatedAt));
            Ansi(console).Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Remove(CliConsole console)
    {
        var name = NameArgument("The secret to remove");
        var command = new Command("rm", "Remove a secret (deploying a function that names it then fails)") { name };
        command.Aliases.Add("remove");
        command.SetAction(async (result, ct) =>
        {
            using var client = CreateClient(console);
            await client.DeleteSecretAsync(result.GetValue(name)!, ct);
            await console.Out.WriteLineAsync($"{result.GetValue(name)}  removed");
            return ExitCodes.Success;
        });
        return command;
    }
}
