using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>`fjord new NAME --runtime R`, `fjord deploy`, `fjord invoke NAME -d x` against a fresh `fjord up`, for every runtime a node runs.</summary>
public sealed class NewCommandTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private FjordNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await BareNode.StartAsync(_dir);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task NewDeployInvoke_Works_ForPythonNodePhpAndExec()
    {
        var project = _dir.Combine("project", "fjord.yml");
        Directory.CreateDirectory(Path.GetDirectoryName(project)!);
        foreach (var runtime in new[] { "python", "node", "php", "exec" })
        {
            var created = await Cli.RunAsync(_node, null, "new", $"hi-{runtime}", "--runtime", runtime, "-f", project);
            Assert.True(created.ExitCode == 0, created.Stderr);
        }

        var deploy = await Cli.RunAsync(_node, null, "deploy", "-f", project);
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);

        foreach (var runtime in new[] { "python", "node", "php" })
        {
            var invoke = await Cli.RunAsync(_node, null, "invoke", $"hi-{runtime}", "-d", "x");
            Assert.True(invoke.ExitCode == 0, $"{runtime}: {invoke.Stderr}");
            using var json = JsonDocument.Parse(invoke.Stdout);
            Assert.Equal($"hi-{runtime}", json.RootElement.GetProperty("function").GetString());
            Assert.Equal("x", json.RootElement.GetProperty("echo").GetString());
        }
        var exec = await Cli.RunAsync(_node, null, "invoke", "hi-exec", "-d", "x");
        Assert.True(exec.ExitCode == 0, exec.Stderr);
        Assert.Equal("echo: x", exec.Stdout.Trim());
    }
}
