using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fjord.Cluster.Tests;

/// <summary>
/// A redis-server of one test's own (never the shared private server, which must stay as Fjord
/// requires), started with the settings the test is about, in a folder removed after.
/// </summary>
internal sealed class PrivateRedis : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DoctorClusterTests.TempFolder _folder;

    private PrivateRedis(Process process, DoctorClusterTests.TempFolder folder, int port)
    {
        _process = process;
        _folder = folder;
        Port = port;
    }

    public int Port { get; }

    public string Uri => $"redis://127.0.0.1:{Port}";

    /// <summary>
    /// Starts one with what Fjord requires (appendonly yes, appendfsync always, noeviction), each
    /// overridden by <paramref name="settings"/> ("--appendfsync", "everysec", …); answers once it accepts connections.
    /// </summary>
    public static async Task<PrivateRedis> StartAsync(params string[] settings)
    {
        var folder = new DoctorClusterTests.TempFolder();
        var port = FreePort();
        var info = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "",
            "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction", "--dir", folder.Path, .. settings])
            info.ArgumentList.Add(arg);
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        var redis = new PrivateRedis(process, folder, port);
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port);
                return redis;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        await redis.DisposeAsync();
        throw new InvalidOperationException($"redis-server on port {port} did not come up");
    }

    public void Kill()
    {
        if (!_process.HasExited)
            _process.Kill();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        _folder.Dispose();
    }

    internal static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
