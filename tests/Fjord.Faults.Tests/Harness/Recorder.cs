using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Fjord.Faults.Tests.Harness;

/// <summary>One attempt as the function itself reported it, outside Fjord.</summary>
internal sealed record Mark(string JobId, int Attempt, string Token, bool Ok);

/// <summary>
/// Counts attempts where Fjord cannot tamper with the count: the recorder function connects here
/// over TCP and sends <c>&lt;FJORD_JOB_ID&gt; &lt;FJORD_ATTEMPT&gt; &lt;token&gt; ok|fail</c> before it
/// returns, and waits for a one-byte ack, so every attempt that got as far as returning was
/// counted by the test process first. A run killed before it reported leaves no mark; a run killed
/// after it reported leaves one, which is exactly what at-least-once duplicates look like to a user.
/// </summary>
internal sealed class Recorder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<Mark> _marks = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public Recorder()
    {
        _listener.Start(backlog: 1024);
        _accepting = AcceptLoopAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Count => _marks.Count;

    public IReadOnlyList<Mark> Marks => [.. _marks];

    public int CountFor(string function) => _marks.Count(m => m.Token.StartsWith(function + "-", StringComparison.Ordinal));

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SocketException)
            {
                continue;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                timeout.CancelAfter(TimeSpan.FromSeconds(30));
                var line = await reader.ReadLineAsync(timeout.Token);
                if (line is null)
                    return;
                var parts = line.Split(' ');
                if (parts.Length != 4)
                    return;
                _marks.Enqueue(new Mark(parts[0], int.Parse(parts[1], CultureInfo.InvariantCulture), parts[2], parts[3] == "ok"));
                await stream.WriteAsync("k"u8.ToArray(), timeout.Token);
            }
            catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or FormatException)
            {
                // The function process was killed mid-report: no ack, so it never returned either.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting;
        _stop.Dispose();
    }
}
