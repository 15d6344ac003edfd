using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// A real `fjord up` process on a loopback port with its own data folder. Killing it is a real
/// SIGKILL to its PID; restarting it reuses the data folder, as a crashed machine would.
/// </summary>
internal sealed class FjordNode : IAsyncDisposable
{
    public const string AdminKey = "fjk_endtoend_test_key";

    private readonly string _projectFile;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private FjordNode(string dataDir, int port, string projectFile)
    {
        DataDir = dataDir;
        Port = port;
        _projectFile = projectFile;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public string DataDir { get; }

    public int Port { get; }

    public HttpClient Http { get; }

    public int Pid => _process?.Id ?? 0;

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    public static async Task<FjordNode> StartAsync(string dataDir, string projectFile)
    {
        var node = new FjordNode(dataDir, FreePort(), projectFile);
        await node.StartProcessAsync();
        return node;
    }

    public static string FjordDll => Path.Combine(AppContext.BaseDirectory, "fjord.dll");

    public static string RepoRoot
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Fjord.sln")))
                dir = dir.Parent;
            return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
        }
    }

    public async Task StartProcessAsync()
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { FjordDll, "up", "--data", DataDir, "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", _projectFile })
            psi.ArgumentList.Add(a);
        psi.Environment["FJORD_ADMIN_KEY"] = AdminKey;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start fjord");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitReadyAsync();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.AppendLine(line);
    }

    private async Task WaitReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"fjord up exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var r = await Http.GetAsync("/healthz");
                // /healthz answers before `up` has deployed the project; the banner comes after the deploy.
                if (r.IsSuccessStatusCode && Output.Contains("fjord is up", StringComparison.Ordinal))
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"fjord up did not become ready:\n{Output}");
    }

    /// <summary>SIGKILL by PID: no drain, no cleanup, like a power cut for this process.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited)
            return;
        _process.Kill(entireProcessTree: false);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM by PID: the node drains and exits.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (_process is null || _process.HasExited)
            return _process?.ExitCode ?? 0;
        _ = Posix.Kill(_process.Id, Posix.SigTerm);
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
        Http.Dispose();
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
