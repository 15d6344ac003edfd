using System.IO.Compression;
using Fjord.Cli.Tests.Support;
using Microsoft.AspNetCore.Http;

namespace Fjord.Cli.Tests.Commands;

/// <summary>
/// `fjord deploy` building a function's pip and npm dependencies into its bundle, with the real
/// tools: pip from a wheel the test builds (PyPI is not reachable here), npm from the registry.
/// </summary>
public sealed class DependencyDeployTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private Dictionary<string, string> Env(TestGateway gateway, string? pipOptions = null)
    {
        var env = gateway.Env();
        env["XDG_CACHE_HOME"] = Path.Combine(temp.Path, "cache");
        env["FJORD_PYTHON"] = LocalWheel.Python;
        if (pipOptions is not null)
            env["FJORD_PIP_OPTIONS"] = pipOptions;
        return env;
    }

    private static string[] Entries(RecordedRequest bundle)
    {
        using var zip = new ZipArchive(new MemoryStream(bundle.Body));
        return [.. zip.Entries.Select(e => e.FullName)];
    }

    /// <summary>What the deploy changed on the gateway (it also reads <c>/v1/nodes</c>).</summary>
    private static RecordedRequest[] Puts(TestGateway gateway) => [.. gateway.Requests.Where(r => r.Method == "PUT")];

    private static IResult Nodes(params object[] nodes) => Results.Json(new { nodes });

    private static object Node(string id, bool alive, object? runtimes) => new { id, role = "worker", version = "1.0.0", alive, runtimes };

    private static async Task<string> LocalPythonMajorMinorAsync() =>
        (await Tool.RunAsync(LocalWheel.Python, Path.GetTempPath(), "-c", "import sys; print('%d.%d' % sys.version_info[:2])")).Output.Trim();

    [Fact]
    public async Task Deploy_Refuses_WhenALiveNodeRunsAnotherPython_NamingTheNodes()
    {
        var pip = await PythonProjectAsync();
        var local = await LocalPythonMajorMinorAsync();
        await using var gateway = await DeployCommandTests.StartAsync(() => Nodes(
            Node("w1", alive: true, new { python = "3.0", node = "20" }),
            Node("w2", alive: true, new { python = local }),
            Node("w3", alive: false, new { python = "2.7" }),
            Node("gw", alive: true, runtimes: null)));

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway, pip));

        Assert.Equal(ExitCodes.Dependencies, run.ExitCode);
        run.AssertOneErrorLine($"function 'shout': this machine's python is {local}.");
        Assert.Contains("but the nodes run python 3.0 on node w1:", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("w3", run.Error, StringComparison.Ordinal);
        Assert.Empty(Puts(gateway));
    }

    [Fact]
    public async Task Deploy_Passes_WhenLiveNodesRunThisMachinesPython_OrReportNone()
    {
        var pip = await PythonProjectAsync();
        var local = await LocalPythonMajorMinorAsync();
        await using var gateway = await DeployCommandTests.StartAsync(() => Nodes(
            Node("w1", alive: true, new { python = local }),
            Node("old", alive: true, runtimes: null)));

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway, pip));

        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        Assert.Equal(2, Puts(gateway).Length);
        Assert.Equal("", run.Error);
    }

    [Fact]
    public async Task Deploy_WarnsAndGoesOn_WhenTheKeyMayNotReadTheNodes()
    {
        var pip = await PythonProjectAsync();
        await using var gateway = await DeployCommandTests.StartAsync(() => TestGateway.Problem(403, "this key lacks the read scope"));

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway, pip));

        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        Assert.Contains("the nodes' interpreter versions are not checked", run.Error, StringComparison.Ordinal);
        Assert.Equal(2, Puts(gateway).Length);
    }

    private async Task<string> PythonProjectAsync(string? runtimeVersion = null)
    {
        var wheels = Path.Combine(temp.Path, "wheels");
        await LocalWheel.BuildAsync(temp.Path, wheels, "fjordtoy", "def shout(s):\n    return s.upper() + '!'\n");
        temp.Write("fn/handler.py", "import fjordtoy\n\ndef handle(p, c):\n    return fjordtoy.shout(p.decode())\n");
        temp.Write("fn/requirements.txt", "fjordtoy==1.0.0\n");
        temp.Write("fn/.fjord/python/stale.py", "# a leftover that the built set replaces\n");
        temp.Write("fjord.yml", $"functions:\n  shout:\n    runtime: python\n    path: fn\n    handler: handler.py\n{(runtimeVersion is null ? "" : $"    runtimeVersion: \"{runtimeVersion}\"\n")}");
        return $"--no-index --find-links {wheels}";
    }

    [Fact]
    public async Task Deploy_InstallsRequirementsIntoTheBundle_AndReusesTheCachedSet()
    {
        var pip = await PythonProjectAsync();
        await using var gateway = await DeployCommandTests.StartAsync();

        var first = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway, pip));
        var second = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway, pip));

        Assert.True(first.ExitCode == ExitCodes.Success, first.Error);
        var bundles = gateway.Requests.Where(r => r.PathAndQuery.EndsWith("/bundle", StringComparison.Ordinal)).ToArray();
        var entries = Entries(bundles[0]);
        Assert.Contains(".fjord/python/fjordtoy/__init__.py", entries);
        Assert.Contains("handler.py", entries);
        Assert.DoesNotContain(".fjord/python/stale.py", entries);
        Assert.Contains("pip deps for python 3.", first.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("cached", first.Out, StringComparison.Ordinal);
        Assert.Contains("cached", second.Out, StringComparison.Ordinal);
        Assert.Equal(bundles[0].Body, bundles[1].Body);
    }

    [Fact]
    public async Task Deploy_Refuses_WhenThisMachinesPythonIsNotTheDeclaredVersion()
    {
        var pip = await PythonProjectAsync(runtimeVersion: "2.7");
        await using var gateway = await DeployCommandTests.StartAsync();

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway, pip));

        Assert.Equal(ExitCodes.Dependencies, run.ExitCode);
        run.AssertOneErrorLine("declares python 2.7 (runtimeVersion) but this machine's python is 3.");
        Assert.Empty(gateway.Requests);
    }

    [Fact]
    public async Task Deploy_FailsWithPipsReason_WhenARequirementCannotBeFound()
    {
        var pip = await PythonProjectAsync();
        temp.Write("fn/requirements.txt", "no-such-package-fjord==9.9\n");
        await using var gateway = await DeployCommandTests.StartAsync();

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway, pip));

        Assert.Equal(ExitCodes.Dependencies, run.ExitCode);
        run.AssertOneErrorLine("No matching distribution found for no-such-package-fjord==9.9");
        Assert.Empty(Puts(gateway));
    }

    [Fact]
    public async Task Deploy_RunsNpmCi_AndPacksNodeModulesInPlaceOfTheLocalOnes()
    {
        temp.Write("fn/handler.js", "const ms = require('ms');\nexports.handle = async () => ms(60000);\n");
        temp.Write("fn/package.json", """{ "name": "t", "private": true, "dependencies": { "ms": "2.1.3" }, "devDependencies": { "left-pad": "1.3.0" } }""");
        temp.Write("fn/node_modules/junk/index.js", "// installed by hand, not in the lock file\n");
        temp.Write("fjord.yml", "functions:\n  ago:\n    runtime: node\n    path: fn\n    handler: handler.js\n");
        var npm = await Tool.RunAsync("npm", Path.Combine(temp.Path, "fn"), "install", "--package-lock-only", "--no-audit", "--no-fund");
        Assert.True(npm.ExitCode == 0, npm.Output);
        await using var gateway = await DeployCommandTests.StartAsync();

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway));

        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        var entries = Entries(Puts(gateway).First());
        Assert.Contains("node_modules/ms/index.js", entries);
        Assert.Contains("node_modules/ms/package.json", entries);
        Assert.DoesNotContain(entries, e => e.StartsWith("node_modules/junk", StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => e.StartsWith("node_modules/left-pad", StringComparison.Ordinal));
        Assert.Contains("npm deps for node ", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deploy_Refuses_APackageJsonWithDependencies_ButNoLockFile()
    {
        temp.Write("fn/handler.js", "exports.handle = async () => 1;\n");
        temp.Write("fn/package.json", """{ "dependencies": { "ms": "2.1.3" } }""");
        temp.Write("fjord.yml", "functions:\n  ago:\n    runtime: node\n    path: fn\n    handler: handler.js\n");
        await using var gateway = await DeployCommandTests.StartAsync();

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway));

        Assert.Equal(ExitCodes.Dependencies, run.ExitCode);
        run.AssertOneErrorLine("package.json lists dependencies but there is no package-lock.json beside it");
    }

    [Fact]
    public async Task Deploy_BuildsNothing_ForAPackageJsonWithoutDependencies()
    {
        temp.Write("fn/handler.mjs", "export async function handle() { return 1; }\n");
        temp.Write("fn/package.json", """{ "type": "module" }""");
        temp.Write("fjord.yml", "functions:\n  esm:\n    runtime: node\n    path: fn\n    handler: handler.mjs\n");
        await using var gateway = await DeployCommandTests.StartAsync();

        var run = await CliRun.RunAsync(["deploy"], temp.Path, Env(gateway));

        Assert.True(run.ExitCode == ExitCodes.Success, run.Error);
        Assert.Equal(["handler.mjs", "package.json"], Entries(Puts(gateway).First()));
        Assert.False(Directory.Exists(Path.Combine(temp.Path, "cache", "fjord", "deps")));
    }
}

/// <summary>Runs a tool of the machine for a test's setup.</summary>
internal static class Tool
{
    public static async Task<(int ExitCode, string Output)> RunAsync(string program, string cwd, params string[] args)
    {
        var psi = new System.Diagnostics.ProcessStartInfo(program) { WorkingDirectory = cwd, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        return (p.ExitCode, await stdout + await stderr);
    }
}
