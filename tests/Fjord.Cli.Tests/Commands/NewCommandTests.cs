using Fjord.Cli.Tests.Support;

namespace Fjord.Cli.Tests.Commands;

/// <summary>`fjord new`: the files and the fjord.yml entry it writes, and what it refuses without touching anything.</summary>
public sealed class NewCommandTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private string Yml => Path.Combine(temp.Path, "fjord.yml");

    [Fact]
    public async Task New_Image_WritesADockerfileWithTheDockerSaveNote_AndAnImageEntry()
    {
        var run = await CliRun.RunAsync(["new", "resize", "--runtime", "image"], temp.Path);

        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(temp.Path, "functions", "resize", "Dockerfile"));
        Assert.Contains("docker save resize -o resize.tar", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT", dockerfile, StringComparison.Ordinal);
        Assert.True((File.GetUnixFileMode(Path.Combine(temp.Path, "functions", "resize", "run.sh")) & UnixFileMode.UserExecute) != 0);
        Assert.Contains("docker save resize -o functions/resize/resize.tar && fjord deploy resize", run.Out, StringComparison.Ordinal);
        // The entry names the archive docker save will write; the file loads before the archive exists.
        var project = Fjord.Cli.Project.ProjectFile.Load(Yml);
        var function = Assert.Single(project.Functions);
        Assert.Equal("resize", function.Name);
        Assert.Equal(Path.Combine(temp.Path, "functions", "resize", "resize.tar"), function.ImagePath);
        Assert.Null(function.Folder);
        Assert.Contains("\n    image: functions/resize/resize.tar\n", await File.ReadAllTextAsync(Yml), StringComparison.Ordinal);
    }

    [Fact]
    public async Task New_AppendsToAnExistingFile_AtItsIndentation_KeepingItsComments()
    {
        temp.Write("fjord.yml", "# mine\nfunctions:\n    old:\n        runtime: exec\n        command: [/bin/cat]\n");

        var run = await CliRun.RunAsync(["new", "fresh", "--runtime", "php"], temp.Path);

        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        Assert.Contains("next: fjord deploy fresh && fjord invoke fresh -d hello", run.Out, StringComparison.Ordinal);
        var text = await File.ReadAllTextAsync(Yml);
        Assert.StartsWith("# mine\n", text, StringComparison.Ordinal);
        Assert.Contains("\n    fresh:\n        runtime: php\n        path: functions/fresh\n        handler: handler.php\n", text, StringComparison.Ordinal);
        var functions = Fjord.Cli.Project.ProjectFile.Load(Yml).Functions;
        Assert.Equal(["old", "fresh"], functions.Select(f => f.Name));
        Assert.Equal(Path.Combine(temp.Path, "functions", "fresh"), functions[1].Folder);
    }

    [Theory]
    [InlineData("Bad", "python", "must be 1-63 lower-case")]
    [InlineData("ok", "ruby", "--runtime must be one of python, node, php, exec, image")]
    [InlineData("taken", "node", "already has a function 'taken'")]
    [InlineData("exists", "node", "already exists")]
    public async Task New_Refuses_WithOneLine_AndChangesNothing(string name, string runtime, string message)
    {
        const string Original = "functions:\n  taken:\n    runtime: exec\n    command: [/bin/cat]\n";
        temp.Write("fjord.yml", Original);
        temp.Write("functions/exists/keep.txt", "mine");

        var run = await CliRun.RunAsync(["new", name, "--runtime", runtime], temp.Path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine(message);
        Assert.Equal(Original, await File.ReadAllTextAsync(Yml));
        Assert.Equal(["exists"], Directory.GetDirectories(Path.Combine(temp.Path, "functions")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task New_RestoresTheFile_WhenTheEntryCannotBeAppendedToItsShape()
    {
        const string Original = "functions: {}\n";
        temp.Write("fjord.yml", Original);

        var run = await CliRun.RunAsync(["new", "hi", "--runtime", "python"], temp.Path);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine("left unchanged");
        Assert.Equal(Original, await File.ReadAllTextAsync(Yml));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "functions", "hi")));
    }
}
