using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Fjord.Tests.Shared;

/// <summary>
/// A real `fjord up` process on a fixed loopback port with its own data folder, shared by the
/// end-to-end and fault tests (linked into both). Every fault is a real signal to its PID; a
/// restart reuses the port and the data folder, as a crashed machine coming back would.
/// </summary>
internal sealed class FjordNode : IAsyncDisposable
{
    public const string AdminKey = "fjk_test_key";

    private readonly string _projectFile;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly IReadOnlyList<string> _arguments;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private FjordNode(string dataDir, int port, string projectFile, IReadOnlyDictionary<string, string> environment, IReadOnlyList<string> arguments)
    {
        _arguments = arguments;
        DataDir = dataDir;
        Port = port;
        _projectFile = projectFile;
        _environment = environment;
        Http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public string DataDir { get; }

    public int Port { get; }

    public Uri BaseAddress => new($"http://127.0.0.1:{Port}");

    /// <summary>For the read side and the checker; load goes through its own client.</summary>
    public HttpClient Http { get; }

    public int Pid => _process?.Id ?? 0;

    public bool Running => _process is { HasExited: false };

    public string Output
    {
        get
        {
            lock (_output)
                return _output.ToString();
        }
    }

    /// <summary>The last lines of the node's output, for assertion messages.</summary>
    public string Tail(int lines = 40)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <param name="arguments">More flags for `fjord up` (e.g. --allow-host-network).</param>
    public static async Task<FjordNode> StartAsync(string dataDir, string projectFile, IReadOnlyDictionary<string, string>? environment = null, IReadOnlyList<string>? arguments = null)
    {
        var node = new FjordNode(dataDir, FreePort(), projectFile, environment ?? new Dictionary<string, string>(), arguments ?? []);
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
        foreach (var a in new[] { FjordDll, "up", "--data", DataDir, "--port", Port.ToString(CultureInfo.InvariantCulture), "-f", _projectFile }.Concat(_arguments))
            psi.ArgumentList.Add(a);
        psi.Environment["FJORD_ADMIN_KEY"] = AdminKey;
        foreach (var (key, value) in _environment)
            psi.Environment[key] = value;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start fjord");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process?.Dispose();
        _process = process;
        Append($"--- started pid {process.Id} ---");
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
        var started = _output.Length;
        while (DateTime.UtcNow < deadline)
        {
            if (_process!.HasExited)
                throw new InvalidOperationException($"fjord up exited with {_process.ExitCode}:\n{Tail()}");
            try
            {
                using var r = await Http.GetAsync("/healthz");
                // /healthz answers before `up` has deployed the project; the banner comes after the deploy.
                if (r.IsSuccessStatusCode && Output.IndexOf("fjord is up", started, StringComparison.Ordinal) >= 0)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"fjord up did not become ready:\n{Tail()}");
    }

    public void Signal(int signal)
    {
        if (_process is { HasExited: false } p && Posix.Kill(p.Id, signal) != 0)
            throw new InvalidOperationException($"kill({p.Id}, {signal}) failed");
    }

    /// <summary>SIGKILL by PID: no drain, no cleanup, like a power cut for this process.</summary>
    public async Task KillAsync()
    {
        if (_process is null || _process.HasExited)
            return;
        Append($"--- SIGKILL pid {_process.Id} ---");
        _ = Posix.Kill(_process.Id, Posix.SigKill);
        await _process.WaitForExitAsync();
    }

    /// <summary>SIGTERM by PID: the node drains and exits; returns its exit code.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (_process is null || _process.HasExited)
            return _process?.ExitCode ?? 0;
        Append($"--- SIGTERM pid {_process.Id} ---");
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

    /// <summary>Every port <see cref="FreePort"/> handed out in this test process.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, bool> HandedOut = new();

    /// <summary>
    /// A loopback port nobody listens on, never the same twice in this test process. The kernel's
    /// bind to port 0 may give a port again as soon as it is released, and a node only binds its
    /// port a few seconds after it was picked (and again after every restart, which keeps it): a
    /// node of another test class started meanwhile could otherwise be given that same port.
    /// </summary>
    public static int FreePort()
    {
        for (var tries = 0; ; tries++)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            if (HandedOut.TryAdd(port, true))
                return port;
            if (tries >= 100)
                throw new InvalidOperationException($"no loopback port this test process has not handed out yet ({HandedOut.Count} handed out)");
        }
    }
}
