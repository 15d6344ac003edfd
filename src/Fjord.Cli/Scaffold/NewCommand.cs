using System.CommandLine;
using Fjord.Cli.Project;
using Fjord.Core.Functions;

namespace Fjord.Cli.Scaffold;

/// <summary>`fjord new NAME --runtime R`: writes a working function folder and appends its entry to fjord.yml.</summary>
internal static class NewCommand
{
    public static Command Build(CliConsole console)
    {
        var name = new Argument<string>("name") { Description = "The function's name (lower-case letters, digits, inner dashes)" };
        var runtime = new Option<string>("--runtime", "-r")
        {
            Description = $"One of {string.Join(", ", FunctionTemplates.Runtimes)}",
            Required = true,
        };
        var file = new Option<string>("--file", "-f")
        {
            Description = $"Project file to add the function to, created when missing (default {Defaults.ProjectFile})",
            DefaultValueFactory = _ => Defaults.ProjectFile,
        };
        var command = new Command("new", "Write a new function's folder (functions/NAME) and its fjord.yml entry") { name, runtime, file };
        command.SetAction(async (result, ct) =>
        {
            var written = await CreateAsync(console.ResolvePath(result.GetValue(file)!), result.GetValue(name)!, result.GetValue(runtime)!, ct);
            await console.Out.WriteLineAsync(written);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>Writes the function; returns what to tell the user. Nothing is left half-written on a refusal.</summary>
    public static async Task<string> CreateAsync(string projectFile, string name, string runtime, CancellationToken ct)
    {
        if (!FunctionSpec.IsValidName(name))
            throw CliException.Usage($"name '{name}' must be 1-63 lower-case letters, digits or inner dashes");
        runtime = runtime.ToLowerInvariant();
        var files = FunctionTemplates.Files(runtime, name);
        var baseDir = Path.GetDirectoryName(projectFile)!;
        var relative = $"functions/{name}";
        var folder = Path.Combine(baseDir, "functions", name);
        if (Directory.Exists(folder) || File.Exists(folder))
            throw CliException.Usage($"'{folder}' already exists");

        var original = File.Exists(projectFile) ? await File.ReadAllTextAsync(projectFile, ct) : null;
        if (original is not null && ProjectFile.Load(projectFile).Functions.Any(f => f.Name == name))
            throw CliException.Usage($"{projectFile} already has a function '{name}'");
        var text = original ?? "# Functions of this project; see docs/functions.md. Deploy with `fjord deploy`.\nfunctions:\n";
        if (text.Length > 0 && !text.EndsWith('\n'))
            text += "\n";
        text += FunctionTemplates.Entry(runtime, name, relative, Indent(text));

        Directory.CreateDirectory(folder);
        try
        {
            foreach (var f in files)
            {
                var path = Path.Combine(folder, f.Name);
                await File.WriteAllTextAsync(path, f.Text.ReplaceLineEndings("\n") + "\n", ct);
                if (f.Executable && !OperatingSystem.IsWindows())
                    File.SetUnixFileMode(path, File.GetUnixFileMode(path) | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            }
            await File.WriteAllTextAsync(projectFile, text, ct);
            // The file must still load: an entry appended to a file of another shape (say
            // `functions: {}`) would break every later deploy.
            ProjectFile.Load(projectFile);
        }
        catch (Exception e) when (e is CliException or IOException or UnauthorizedAccessException)
        {
            Directory.Delete(folder, recursive: true);
            if (original is null)
                File.Delete(projectFile);
            else
                await File.WriteAllTextAsync(projectFile, original, CancellationToken.None);
            throw e is CliException c
                ? new CliException(c.ExitCode, $"cannot add '{name}' to {projectFile}, left unchanged: {c.Message}")
                : CliException.Failed($"cannot write the function '{name}': {e.Message}");
        }
        var next = runtime == "image"
            ? $"next: docker build -t {name} {relative} && docker save {name} -o {relative}/{name}.tar && fjord deploy {name} && fjord invoke {name} -d hello"
            : $"next: fjord deploy {name} && fjord invoke {name} -d hello";
        return $"created {relative}/ ({string.Join(", ", files.Select(f => f.Name))}) and the '{name}' entry in {Path.GetFileName(projectFile)}\n{next}";
    }

    /// <summary>The indentation of the existing entries under <c>functions:</c>, so the new one lines up; 2 when there are none.</summary>
    private static int Indent(string text)
    {
        var inFunctions = false;
        foreach (var line in text.Split('\n'))
        {
            if (line.StartsWith("functions:", StringComparison.Ordinal))
            {
                inFunctions = true;
                continue;
            }
            var trimmed = line.TrimStart(' ');
            if (!inFunctions || trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            return Math.Max(1, line.Length - trimmed.Length);
        }
        return 2;
    }
}
