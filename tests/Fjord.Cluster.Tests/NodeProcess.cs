using System.Collections.Concurrent;
using System.Diagnostics;
using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>One real `fjord gateway|worker` process (<c>dotnet fjord.dll …</c>), its output kept for assertions.</summary>
internal sealed class NodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly TaskCompletionSource _up = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NodeProcess(Process process, string name)
    {
        _process = process;
        Name = name;
    }

    public string Name { get; }

    public int Pid => _process.Id;

    public string Output => string.Join('\n', _lines);

    public static Task<NodeProcess> StartAsync(string name, string dataDir, IReadOnlyDictionary<string, string> env, params string[] args) =>
        StartBuildAsync(FjordDll, name, dataDir, env, args);

    /// <summary>As <see cref="StartAsync"/>, with another build's fjord.dll (the previous release, say).</summary>
    public static async Task<NodeProcess> StartBuildAsync(string fjordDll, string name, string dataDir, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(fjordDll);
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        info.ArgumentList.Add("--data");
        info.ArgumentList.Add(dataDir);
        info.Environment["FJORD_LEASE"] = "3s";
        info.Environment["FJORD_HEARTBEAT"] = "2s";
        info.Environment["FJORD_DRAIN_GRACE"] = "2s";
        foreach (var (key, value) in env)
            info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the node");
        var node = new NodeProcess(process, name);
        process.OutputDataReceived += (_, e) => node.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => node.OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var exited = process.WaitForExitAsync();
        if (await Task.WhenAny(node._up.Task, exited, Task.Delay(TimeSpan.FromSeconds(60))) != node._up.Task)
        {
            await node.DisposeAsync();
            throw new InvalidOperationException($"{name} did not come up:\n{node.Output}");
        }
        return node;
    }

    private void OnLine(string? line)
    {
        if (line is null)
            return;
        _lines.Enqueue(line);
        if (line.Contains(" is up", StringComparison.Ordinal))
            _up.TrySetResult();
    }

    public void SigKill()
    {
        if (!_process.HasExited)
            _process.Kill();
    }

    public Task WaitForExitAsync() => _process.WaitForExitAsync();

    public async Task StopAsync()
    {
        if (_process.HasExited)
            return;
        using var term = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await term!.WaitForExitAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            SigKill();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
    }

    internal static string FjordDll
    {
        get
        {
            // The test binaries live in tests/Fjord.Cluster.Tests/bin/{Configuration}/net10.0/; fjord
            // is built beside them (a project reference that is never loaded into the test).
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
            var dll = Path.Combine(Services.RepoRoot, "src", "Fjord.Cli", "bin", configuration, "net10.0", "fjord.dll");
            return File.Exists(dll) ? dll : throw new FileNotFoundException("build src/Fjord.Cli first", dll);
        }
    }
}
