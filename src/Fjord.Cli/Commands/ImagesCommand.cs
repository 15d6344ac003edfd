using System.CommandLine;
using Spectre.Console;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord images ls | prune`: the function images the store holds. Prune deletes the images no
/// deployed function names; each worker then drops their cached archive, root and any layer no
/// remaining image uses at its next cache sweep (within a minute), since it compares its cache with
/// the store's images rather than waiting to be told.
/// </summary>
internal static class ImagesCommand
{
    public static Command Build(CliConsole console)
    {
        var command = new Command("images", "List or prune the function images the store holds (uploaded by `fjord deploy` from `image:`)");
        command.Subcommands.Add(List(console));
        command.Subcommands.Add(Prune(console));
        return command;
    }

    private static Command List(CliConsole console)
    {
        var command = new Command("ls", "List stored images: digest, size and the functions using each");
        command.Aliases.Add("list");
        command.SetAction(async (_, ct) =>
        {
            using var client = CreateClient(console);
            var images = await client.ListImagesAsync(ct);
            var table = NewTable("DIGEST", "SIZE", "CREATED", "FUNCTIONS");
            foreach (var i in images)
                table.AddRow(Cell(i.Digest), Cell(DeployCommand.Size(i.Size)), Cell(i.CreatedAt), Cell(i.Functions.Count == 0 ? "(unused)" : string.Join(", ", i.Functions)));
            Ansi(console).Write(table);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Prune(CliConsole console)
    {
        var command = new Command("prune", "Delete every stored image no function uses; nodes drop its cached layers and root at their next sweep");
        command.SetAction(async (_, ct) =>
        {
            using var client = CreateClient(console);
            var pruned = await client.PruneImagesAsync(ct);
            foreach (var i in pruned)
                await console.Out.WriteLineAsync($"{i.Digest}  deleted  {DeployCommand.Size(i.Size)}");
            await console.Out.WriteLineAsync($"{pruned.Count} image(s) deleted, {DeployCommand.Size(pruned.Sum(i => i.Size))} freed in the store");
            return ExitCodes.Success;
        });
        return command;
    }
}
