using System.Net.Sockets;
using System.Text;

namespace Fjord.Gateway.Tests;

/// <summary>
/// Sends a request line exactly as written. HttpClient normalizes <c>..</c> and <c>%2e</c> away
/// before sending, so path tricks can only be tested over a plain socket.
/// </summary>
internal static class RawHttp
{
    public static async Task<int> StatusAsync(Uri server, string method, string target, string key, string body = "x", string extraHeaders = "")
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        await using var stream = client.GetStream();
        var request = $"{method} {target} HTTP/1.1\r\nHost: {server.Authority}\r\nAuthorization: Bearer {key}\r\n"
            + extraHeaders + $"Content-Type: text/plain\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.UTF8.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var statusLine = await reader.ReadLineAsync() ?? "";
        var parts = statusLine.Split(' ');
        return parts.Length >= 2 && int.TryParse(parts[1], out var status) ? status : -1;
    }
}
