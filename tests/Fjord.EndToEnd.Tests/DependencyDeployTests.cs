using System.Net;
using System.Text;
using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// `fjord deploy` to a real `fjord up` of folder functions with dependencies: a pip package from a
/// wheel built here, an npm package from the registry, both run from the bundle in the sandbox;
/// a dependency set over the node's bundle limit is refused with a pointer to images. PHP in fork
/// mode rides along.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class DependencyDeployTests : IAsyncLifetime
{
    private readonly TempDir _dir = new();
    private FjordNode _node = null!;

    public async Task InitializeAsync()
    {
        _node = await BareNode.StartAsync(_dir, ["--max-bundle-unpacked", "2Mi"]);
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        _dir.Dispose();
    }

    private async Task WriteAsync(string relative, string text)
    {
        var path = _dir.Combine("project", relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.WriteAllTextAsync(path, text);
    }

    [Fact]
    public async Task Deploy_BuildsPipAndNpmDependenciesIntoBundles_ThatRunInTheSandbox()
    {
        var wheels = _dir.Combine("wheels");
        await LocalWheel.BuildAsync(_dir.Path, wheels, "fjordtoy", "def shout(s):\n    return s.upper() + '!'\n");
        await LocalWheel.BuildAsync(_dir.Path, wheels, "fjordfat", "SIZE = 3\n", padding: 3 * 1024 * 1024);
        await WriteAsync("shout/handler.py", "import fjordtoy\n\ndef handle(payload, context):\n    return fjordtoy.shout(payload.decode())\n");
        await WriteAsync("shout/requirements.txt", "fjordtoy==1.0.0\n");
        await WriteAsync("fat/handler.py", "import fjordfat\n\ndef handle(payload, context):\n    return fjordfat.SIZE\n");
        await WriteAsync("fat/requirements.txt", "fjordfat==1.0.0\n");
        await WriteAsync("ago/handler.js", "const ms = require('ms');\nexports.handle = async (payload) => ms(Number(payload.toString()), { long: true });\n");
        await WriteAsync("ago/package.json", """{ "private": true, "dependencies": { "ms": "2.1.3" } }""");
        await WriteAsync("slug/handler.php", "<?php\nfunction handle(string $payload, array $context) {\n    static $calls = 0;\n    echo \"forked for $payload\\n\";\n    return ['calls' => ++$calls, 'upper' => strtoupper($payload)];\n}\n");
        await WriteAsync("fjord.yml", """
            functions:
              shout:
                runtime: python
                path: shout
                handler: handler.py
                runtimeVersion: "3"
              ago:
                runtime: node
                path: ago
                handler: handler.js
              slug:
                runtime: php
                path: slug
                handler: handler.php
                mode: fork
              fat:
                runtime: python
                path: fat
                handler: handler.py
            """);
        var npm = await Cli.RunProgramAsync("/bin/sh", "-c", $"cd '{_dir.Combine("project", "ago")}' && npm install --package-lock-only --no-audit --no-fund >&2");
        Assert.Empty(npm);
        var env = new Dictionary<string, string>
        {
            ["XDG_CACHE_HOME"] = _dir.Combine("cache"),
            ["FJORD_PYTHON"] = LocalWheel.Python,
            ["FJORD_PIP_OPTIONS"] = $"--no-index --find-links {wheels}",
        };
        var project = _dir.Combine("project", "fjord.yml");

        var deploy = await Cli.RunAsync(_node, env, "deploy", "-f", project, "shout", "ago", "slug");
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        Assert.Contains("pip deps for python 3.", deploy.Stdout, StringComparison.Ordinal);
        Assert.Contains("npm deps for node ", deploy.Stdout, StringComparison.Ordinal);

        Assert.Equal("HI THERE!", await InvokeAsync("shout", "hi there"));
        Assert.Equal("2 minutes", await InvokeAsync("ago", "120000"));
        using (var spec = JsonDocument.Parse(await _node.Http.GetStringAsync("/v1/functions/shout")))
            Assert.Equal("3", spec.RootElement.GetProperty("spec").GetProperty("runtimeVersion").GetString());

        using var first = JsonDocument.Parse(await InvokeAsync("slug", "a"));
        using var second = JsonDocument.Parse(await InvokeAsync("slug", "b"));
        Assert.Equal("B", second.RootElement.GetProperty("upper").GetString());
        // A fresh process per job: the handler's static counter never gets past 1.
        Assert.Equal(1, first.RootElement.GetProperty("calls").GetInt32());
        Assert.Equal(1, second.RootElement.GetProperty("calls").GetInt32());

        var fat = await Cli.RunAsync(_node, env, "deploy", "-f", project, "fat");
        Assert.Equal(2, fat.ExitCode); // a 400: the request itself is wrong
        Assert.Single(fat.Stderr.Trim().Split('\n'));
        Assert.Contains("unpacks to more than 2Mi", fat.Stderr, StringComparison.Ordinal);
        Assert.Contains("name it with `image: images/NAME.tar` in fjord.yml", fat.Stderr, StringComparison.Ordinal);
        using var missing = await _node.Http.GetAsync("/v1/functions/fat");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task Deploy_IsRefused_WhenThisMachinesPythonIsNotTheOneTheNodeReports()
    {
        var (nodeId, python) = await NodePythonAsync();
        Assert.Matches(@"^\d+\.\d+$", python);
        var wheels = _dir.Combine("wheels");
        await LocalWheel.BuildAsync(_dir.Path, wheels, "fjordtoy", "def shout(s):\n    return s.upper() + '!'\n");
        await WriteAsync("shout/handler.py", "import fjordtoy\n\ndef handle(payload, context):\n    return fjordtoy.shout(payload.decode())\n");
        await WriteAsync("shout/requirements.txt", "fjordtoy==1.0.0\n");
        await WriteAsync("fjord.yml", "functions:\n  shout:\n    runtime: python\n    path: shout\n    handler: handler.py\n");
        // A stand-in interpreter one minor version ahead of the node's: all the version probe asks of it.
        var parts = python.Split('.');
        var other = $"{parts[0]}.{int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture) + 1}.0";
        var standIn = _dir.Combine("python-other");
        await File.WriteAllTextAsync(standIn, $"#!/bin/sh\necho {other}\n");
        File.SetUnixFileMode(standIn, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var env = new Dictionary<string, string>
        {
            ["XDG_CACHE_HOME"] = _dir.Combine("cache"),
            ["FJORD_PYTHON"] = standIn,
            ["FJORD_PIP_OPTIONS"] = $"--no-index --find-links {wheels}",
        };
        var project = _dir.Combine("project", "fjord.yml");

        var refused = await Cli.RunAsync(_node, env, "deploy", "-f", project);

        Assert.Equal(4, refused.ExitCode);
        Assert.Single(refused.Stderr.Trim().Split('\n'));
        Assert.Contains($"function 'shout': this machine's python is {other} but the nodes run python {python} on node {nodeId}:", refused.Stderr, StringComparison.Ordinal);
        using (var missing = await _node.Http.GetAsync("/v1/functions/shout"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        env["FJORD_PYTHON"] = LocalWheel.Python;
        var deployed = await Cli.RunAsync(_node, env, "deploy", "-f", project);

        Assert.True(deployed.ExitCode == 0, deployed.Stderr);
        Assert.Equal("HI!", await InvokeAsync("shout", "hi"));
    }

    /// <summary>The node's id and the python version its heartbeat reports (the probe runs in the background at start).</summary>
    private async Task<(string Id, string Python)> NodePythonAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using (var doc = JsonDocument.Parse(await _node.Http.GetStringAsync("/v1/nodes")))
            {
                foreach (var node in doc.RootElement.GetProperty("nodes").EnumerateArray())
                {
                    if (node.TryGetProperty("runtimes", out var runtimes) && runtimes.ValueKind == JsonValueKind.Object
                        && runtimes.TryGetProperty("python", out var python))
                        return (node.GetProperty("id").GetString()!, python.GetString()!);
                }
            }
            Assert.True(DateTime.UtcNow < deadline, "no node reported its python in /v1/nodes");
            await Task.Delay(200);
        }
    }

    private async Task<string> InvokeAsync(string function, string payload)
    {
        using var response = await _node.Http.PostAsync($"/v1/functions/{function}/invoke", new StringContent(payload, Encoding.UTF8));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{function}: {text}");
        return text;
    }
}
