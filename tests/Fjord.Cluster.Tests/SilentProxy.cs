using System.Net;
using System.Net.Sockets;

namespace Fjord.Cluster.Tests;

/// <summary>
/// A loopback TCP proxy that can go silent: connections stay open but no byte passes either
/// way, like a network partition that drops packets instead of resetting (the case only
/// heartbeats can detect).
/// </summary>
internal sealed class SilentProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<TcpClient> _clients = [];
    private readonly Task _accept;
    private volatile bool _silent;

    public SilentProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        _accept = Task.Run(AcceptAsync);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public void GoSilent() => _silent = true;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient downstream;
            try
            {
                downstream = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                downstream.Dispose();
                upstream.Dispose();
                continue;
            }
            lock (_clients)
                _clients.AddRange([downstream, upstream]);
            _ = PumpAsync(downstream.GetStream(), upstream.GetStream());
            _ = PumpAsync(upstream.GetStream(), downstream.GetStream());
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                    return;
                // Silent: swallow everything, send nothing, close nothing.
                if (!_silent)
                    await to.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accept;
        lock (_clients)
        {
            foreach (var client in _clients)
                client.Dispose();
        }
        _stop.Dispose();
    }
}
