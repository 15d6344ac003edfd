using System.Net;
using System.Threading.Channels;

namespace Fjord.Cluster.Tests;

/// <summary>An HTTP endpoint on 127.0.0.1 that answers every callback 204 and keeps its Fjord headers.</summary>
internal sealed class CallbackReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Channel<IReadOnlyDictionary<string, string>> _received = Channel.CreateUnbounded<IReadOnlyDictionary<string, string>>();
    private readonly Task _loop;

    public CallbackReceiver()
    {
        var port = Cluster.FreePort();
        Url = $"http://127.0.0.1:{port}/done";
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }

    /// <summary>The next callback's X-Fjord-* headers, or null when none comes within <paramref name="deadline"/>.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> NextAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        try
        {
            return await _received.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            var headers = context.Request.Headers.AllKeys
                .Where(k => k is not null && k.StartsWith("X-Fjord-", StringComparison.OrdinalIgnoreCase))
                .ToDictionary(k => k!, k => context.Request.Headers[k]!, StringComparer.OrdinalIgnoreCase);
            context.Response.StatusCode = 204;
            context.Response.Close();
            _received.Writer.TryWrite(headers);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
