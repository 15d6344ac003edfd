using System.Net.Sockets;
using System.Text;

namespace Fjord.Bench;

/// <summary>
/// One keep-alive HTTP/1.1 connection that sends a pre-built request and reads the answer's status
/// and body with no per-request allocation beyond the body. HttpClient spends more CPU per request
/// than the gateway does on this two-core machine, so measuring intake with it measured the client.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    public RawHttpConnection(int port)
    {
        _socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket.Connect(System.Net.IPAddress.Loopback, port);
    }

    public static byte[] Request(string method, string path, string key, byte[] body, string contentType = "application/json") =>
        [.. Encoding.ASCII.GetBytes(
            $"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {key}\r\nContent-Type: {contentType}\r\nContent-Length: {body.Length}\r\n\r\n"),
         .. body];

    /// <summary>Sends the request and returns the status code; the body is in <see cref="Body"/> until the next call.</summary>
    public async ValueTask<int> SendAsync(byte[] request)
    {
        await _socket.SendAsync(request, SocketFlags.None);
        int headerEnd;
        while ((headerEnd = IndexOfHeaderEnd()) < 0)
            await FillAsync();
        var status = (_buffer[_start + 9] - '0') * 100 + (_buffer[_start + 10] - '0') * 10 + (_buffer[_start + 11] - '0');
        var length = ContentLength(_start, headerEnd);
        _start = headerEnd + 4;
        while (_end - _start < length)
            await FillAsync();
        Body = new ReadOnlyMemory<byte>(_buffer, _start, length);
        _start += length;
        return status;
    }

    public ReadOnlyMemory<byte> Body { get; private set; }

    private async ValueTask FillAsync()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        if (read == 0)
            throw new IOException("connection closed by the server");
        _end += read;
    }

    private int IndexOfHeaderEnd()
    {
        var i = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8);
        return i < 0 ? -1 : _start + i;
    }

    private int ContentLength(int from, int to)
    {
        var headers = _buffer.AsSpan(from, to - from);
        var at = headers.IndexOf("Content-Length: "u8);
        if (at < 0)
            at = headers.IndexOf("content-length: "u8);
        if (at < 0)
            return 0;
        var n = 0;
        for (var i = at + 16; i < headers.Length && headers[i] is >= (byte)'0' and <= (byte)'9'; i++)
            n = n * 10 + (headers[i] - '0');
        return n;
    }

    public void Dispose() => _socket.Dispose();
}
