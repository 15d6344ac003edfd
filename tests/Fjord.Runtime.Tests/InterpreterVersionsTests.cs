using System.Diagnostics;

namespace Fjord.Runtime.Tests;

/// <summary>The node's interpreter probe, with this machine's real python, node and php.</summary>
public sealed class InterpreterVersionsTests
{
    private static string Ask(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program, args) { RedirectStandardOutput = true };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd().Trim();
        p.WaitForExit();
        return output;
    }

    [Fact]
    public async Task Probe_ReportsPythonAndPhpAsMajorMinor_AndNodeAsMajor()
    {
        var options = new RuntimeOptions();

        var found = await InterpreterVersions.ProbeAsync(options, InterpreterVersions.ProbeTimeout);

        Assert.Equal(Ask(options.PythonPath, "-c", "import sys; print(f'{sys.version_info[0]}.{sys.version_info[1]}')"), found["python"]);
        Assert.Equal(Ask(options.NodePath, "--version").TrimStart('v').Split('.')[0], found["node"]);
        Assert.Equal(string.Join('.', Ask(options.PhpPath, "-r", "echo PHP_VERSION;").Split('.').Take(2)), found["php"]);
    }

    [Fact]
    public async Task Probe_LeavesOutAMissingInterpreter_AndOneThatPrintsNoVersion()
    {
        var options = new RuntimeOptions { PythonPath = "/nonexistent/python3", NodePath = "/bin/false" };

        var found = await InterpreterVersions.ProbeAsync(options, InterpreterVersions.ProbeTimeout);

        Assert.Equal(["php"], found.Keys);
    }

    [Fact]
    public async Task Start_ProbesInTheBackground_AndKeepsWhatItFound()
    {
        var versions = InterpreterVersions.Start(new RuntimeOptions());

        await versions.Probed;

        Assert.NotNull(versions.Found);
        Assert.Contains("python", versions.Found.Keys);
    }
}
