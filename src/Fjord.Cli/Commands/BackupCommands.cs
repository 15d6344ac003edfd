using System.CommandLine;
using Fjord.Storage.Sqlite;
using static Fjord.Cli.Commands.CommandHelpers;

namespace Fjord.Cli.Commands;

/// <summary>
/// `fjord backup FILE` (a running node's store, over the API, admin key) and
/// `fjord restore FILE --data DIR` (into a stopped node's data folder).
/// </summary>
internal static class BackupCommands
{
    public static Command Backup(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "Where to write the copy (must not exist; written 0600: it holds every payload)" };
        var command = new Command("backup", "Copy the running node's store into FILE while it keeps taking jobs (SQLite; admin key)") { file };
        command.SetAction(async (result, ct) =>
        {
            var path = console.ResolvePath(result.GetValue(file)!);
            if (File.Exists(path))
                throw CliException.Usage($"{path} already exists; choose a new file");
            var partial = path + ".partial";
            File.Delete(partial);
            try
            {
                using var client = CreateClient(console);
                var bytes = await client.BackupAsync(partial, ct);
                // Checked here too: a copy that broke on the way must not pass for a backup.
                var version = Check(partial);
                File.Move(partial, path);
                await console.Out.WriteLineAsync($"backup written: {path} ({bytes} bytes, schema {version})");
                return ExitCodes.Success;
            }
            catch
            {
                File.Delete(partial);
                throw;
            }
        });
        return command;
    }

    public static Command Restore(CliConsole console)
    {
        var file = new Argument<string>("file") { Description = "A file written by `fjord backup`" };
        var data = new Option<string>("--data") { Description = "The data folder of the node to restore into (the node must be stopped)", Required = true };
        var replace = new Option<bool>("--replace") { Description = "The folder already has a store: keep it aside as fjord.db.replaced-TIME and restore over it" };
        var command = new Command("restore", "Put a backup in place of a stopped node's store; jobs running at backup time run again as after a crash") { file, data, replace };
        command.SetAction(async (result, ct) =>
        {
            var backup = console.ResolvePath(result.GetValue(file)!);
            var folder = console.ResolvePath(result.GetValue(data)!);
            string? replaced;
            try
            {
                replaced = SqliteRestore.Restore(backup, folder, result.GetValue(replace), TimeProvider.System);
            }
            catch (Exception e) when (e is InvalidOperationException or InvalidDataException or FileNotFoundException)
            {
                throw new CliException(ExitCodes.Failed, e.Message, e);
            }
            if (replaced is not null)
                await console.Out.WriteLineAsync($"the previous store is kept as {replaced}");
            await console.Out.WriteLineAsync($"restored {backup} into {folder}; start the node with `fjord up --data` on it");
            return ExitCodes.Success;
        });
        return command;
    }

    private static long Check(string path)
    {
        try
        {
            return SqliteRestore.Check(path);
        }
        catch (InvalidDataException e)
        {
            throw new CliException(ExitCodes.Failed, "the backup arrived damaged: " + e.Message, e);
        }
    }
}
