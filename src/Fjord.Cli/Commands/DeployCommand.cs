using System.CommandLine;
using Fjord.Cli.Project;
using Fjord.Cli.Project.Dependencies;

namespace Fjord.Cli.Commands;

/// <summary>`fjord deploy`: bundle, upload and create or update the functions of a fjord.yml.</summary>
internal static class DeployCommand
{
    public static Command Build(CliConsole console)
    {
        var file = new Option<string>("--file", "-f")
        {
            Description = $"Project file (default {Defaults.ProjectFile})",
            DefaultValueFactory = _ => Defaults.ProjectFile,
        };
        var names = new Argument<string[]>("name") { Description = "Deploy only these functions", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("deploy", "Pack each function's folder, upload it, and create or update the function") { file, names };
        command.SetAction(async (result, ct) =>
        {
            var project = ProjectFile.Load(console.ResolvePath(result.GetValue(file)!));
            using var client = CommandHelpers.CreateClient(console);
            await DeployAsync(client, project, result.GetValue(names) ?? [], console.Out, ct, console.GetEnvironment, console.Error);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>
    /// Deploys <paramref name="names"/> (every function when empty) in file order, one line per
    /// function. The bundle goes up before the spec that names it, so the gateway never holds a
    /// function whose code it does not have. Stops at the first failure (a <see cref="CliException"/>).
    /// </summary>
    /// <param name="environment">Where the dependency settings come from (<see cref="DependencySettings"/>); the process's environment when null.</param>
    /// <param name="warnings">Where a skipped check is said (stderr); nowhere when null.</param>
    public static async Task DeployAsync(IDeployTarget client, ProjectFile project, IReadOnlyCollection<string> names, TextWriter output, CancellationToken ct,
        Func<string, string?>? environment = null, TextWriter? warnings = null)
    {
        var unknown = names.Where(n => project.Functions.All(f => f.Name != n)).ToList();
        if (unknown.Count > 0)
            throw CliException.Usage($"no function {string.Join(", ", unknown.Select(n => $"'{n}'"))} in {project.FilePath}");

        var selected = project.Functions.Where(f => names.Count == 0 || names.Contains(f.Name)).ToList();
        if (selected.Count == 0)
        {
            await output.WriteLineAsync($"no functions in {project.FilePath}");
            return;
        }
        var width = selected.Max(f => f.Name.Length);
        var settings = DependencySettings.From(environment ?? Environment.GetEnvironmentVariable);
        var nodes = new NodeInterpreterCheck(client.NodeRuntimesAsync, warnings ?? TextWriter.Null);
        foreach (var function in selected)
        {
            var document = function.Document;
            var what = "host program";
            if (function.Folder is { } folder)
            {
                var dependencies = await DependencyBuilder.PrepareAsync(function, settings, nodes, ct);
                var bundle = BundleBuilder.Build(folder, dependencies);
                document.Bundle = await client.UploadBundleAsync(function.Name, bundle.Zip, ct);
                what = $"bundle {document.Bundle[..Math.Min(12, document.Bundle.Length)]} ({bundle.FileCount} files, {Size(bundle.Zip.Length)}{(dependencies is null ? "" : "; " + dependencies.Summary)})";
            }
            if (function.ImagePath is { } image)
                what = await ImageDeploy.UploadAsync(client, image, document, ct);
            var created = await client.PutFunctionAsync(function.Name, document, ct);
            await output.WriteLineAsync($"{function.Name.PadRight(width)}  {(created ? "created" : "updated")}  {what}");
        }
    }

    internal static string Size(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:0.0} KiB",
        _ => $"{bytes / (1024.0 * 1024):0.0} MiB",
    };
}
