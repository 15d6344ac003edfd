using System.Diagnostics;
using System.Net.Http.Headers;

namespace Fjord.Bench;

/// <summary>A `fjord up` process started for the run, on its own data folder and port.</summary>
internal sealed class Node : IAsyncDisposable
{
    private readonly Process _process;

    private Node(Process process, string url, string key, string dataDir, int port)
    {
        _process = process;
        Key = key;
        Port = port;
        DataDir = dataDir;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri(url),
            Timeout = TimeSpan.FromMinutes(5),
        };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
    }

    public HttpClient Http { get; }

    public string Key { get; }

    public int Port { get; }

    public string DataDir { get; }

    public int Pid => _process.Id;

    public static async Task<Node> StartAsync(string fjordDll, string projectFile, int port)
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "fjord-bench-" + Guid.NewGuid().ToString("N")[..8]);
        const string Key = "fjk_bench";
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { fjordDll, "up", "--data", dataDir, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-f", projectFile })
            psi.ArgumentList.Add(a);
        psi.Environment["FJORD_ADMIN_KEY"] = Key;
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(psi)!;
        var ready = new TaskCompletionSource();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data?.Contains("fjord is up", StringComparison.Ordinal) == true)
                ready.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) Console.Error.WriteLine("  node: " + e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var node = new Node(process, $"http://127.0.0.1:{port}", Key, dataDir, port);
        if (await Task.WhenAny(ready.Task, Task.Delay(60_000)) != ready.Task)
            throw new TimeoutException("fjord up did not start");
        return node;
    }

    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{_process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        }
        return 0;
    }

    public async ValueTask DisposeAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        Http.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
