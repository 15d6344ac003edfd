using System.Diagnostics;
using System.Globalization;

namespace Fjord.EndToEnd.Tests;

/// <summary>`fjord up` fails closed: without bubblewrap it refuses to start, unless the operator says otherwise, loudly.</summary>
public sealed class SandboxStartupTests
{
    private const string Project = """
        functions:
          echo:
            runtime: exec
            command: ["cat"]
        """;

    /// <summary>A PATH with no bwrap on it (the node needs nothing else from PATH).</summary>
    private static readonly Dictionary<string, string> NoBwrap = new() { ["PATH"] = "/nonexistent-fjord-test" };

    [Fact]
    public async Task Up_RefusesToStart_WithoutBubblewrapOnPath()
    {
        using var dir = new TempDir();
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, Project);
        var psi = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { FjordNode.FjordDll, "up", "--data", dir.Combine("data"), "--port", "1", "-f", yml })
            psi.ArgumentList.Add(a);
        foreach (var (key, value) in NoBwrap)
            psi.Environment[key] = value;

        using var process = Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(within.Token);

        Assert.Equal(1, process.ExitCode);
        var lines = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("fjord:", StringComparison.Ordinal)).ToList();
        var line = Assert.Single(lines);
        Assert.Contains("bubblewrap", line, StringComparison.Ordinal);
        Assert.Contains("apt-get install bubblewrap", line, StringComparison.Ordinal);
        Assert.Contains("--allow-unsandboxed", line, StringComparison.Ordinal);
        Assert.DoesNotContain("fjord is up", await stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_StartsWithAllowUnsandboxed_AndReadyzSaysUnsandboxed()
    {
        using var dir = new TempDir();
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, Project);

        await using var node = await FjordNode.StartAsync(dir.Combine("data"), yml, NoBwrap, ["--allow-unsandboxed"]);
        var ready = await node.Http.GetStringAsync("/readyz");

        Assert.Contains("UNSANDBOXED", ready, StringComparison.Ordinal);
        Assert.Contains("bubblewrap", ready, StringComparison.Ordinal);
        Assert.Contains("fjord is up", node.Output, StringComparison.Ordinal);
        Assert.Contains("UNSANDBOXED", node.Output.Split('\n').Single(l => l.Contains("fjord is up", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Up_WithTheSandbox_ReadyzNamesEveryDefence()
    {
        using var dir = new TempDir();
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, Project);

        await using var node = await FjordNode.StartAsync(dir.Combine("data"), yml);
        var ready = await node.Http.GetStringAsync("/readyz");

        Assert.DoesNotContain("UNSANDBOXED", ready, StringComparison.Ordinal);
        Assert.Contains("seccomp", ready, StringComparison.Ordinal);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"cgroup v"), ready, StringComparison.Ordinal);
    }
}
