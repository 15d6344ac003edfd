using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fjord.Runtime.Shims;

/// <summary>
/// One message of the shim protocol (runtimes/PROTOCOL.md): a 4-byte big-endian header length,
/// a UTF-8 JSON header, then <c>size</c> body bytes as the header declares.
/// </summary>
internal sealed record ShimFrame(JsonObject Header, byte[] Body)
{
    public const int MaxHeaderBytes = 1 << 20;

    // A pipe holds 64 KiB: a frame that fits is written at once without blocking, because the
    // shim only writes after it has read our whole frame.
    private const int PipeCapacity = 65536;

    public string? Type => (string?)Header["type"];

    /// <summary>
    /// Writes the frame in one piece. A frame that fits in the pipe takes one synchronous write
    /// (one syscall, no thread-pool hop: on Unix an async write to an anonymous pipe is a blocking
    /// write on a pool thread anyway); a larger one is written asynchronously as the shim drains it.
    /// </summary>
    public static async ValueTask WriteAsync(Stream stream, JsonObject header, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        header["size"] = body.Length;
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var frame = new byte[4 + json.Length + body.Length];
        BinaryPrimitives.WriteInt32BigEndian(frame, json.Length);
        json.CopyTo(frame, 4);
        body.Span.CopyTo(frame.AsSpan(4 + json.Length));
        if (frame.Length <= PipeCapacity)
        {
            cancellationToken.ThrowIfCancellationRequested();
            stream.Write(frame);
            stream.Flush();
            return;
        }
        await stream.WriteAsync(frame, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }
}

/// <summary>
/// Reads frames from one shim's protocol pipe through a buffer of its own, so a whole small
/// frame (prefix, header and body) usually arrives in one read: on Unix every async read of an
/// anonymous pipe is a blocking read on a pool thread, and three of them per frame cost three
/// thread-pool hops.
/// </summary>
internal sealed class ShimFrameReader(Stream stream)
{
    private byte[] _buffer = new byte[16384];
    private int _start;
    private int _end;

    /// <summary>The next frame, or null at end of stream (the shim exited or closed its protocol pipe).</summary>
    /// <exception cref="ShimProtocolException">The shim sent something that is not a frame, or a body over <paramref name="maxBody"/>.</exception>
    public async Task<ShimFrame?> ReadAsync(int maxBody, CancellationToken cancellationToken)
    {
        if (!await FillAsync(4, cancellationToken))
            return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(_buffer.AsSpan(_start));
        if (length is <= 0 or > ShimFrame.MaxHeaderBytes)
            throw new ShimProtocolException($"bad frame header length {length}");
        if (!await FillAsync(4 + length, cancellationToken))
            return null;
        JsonObject header;
        try
        {
            header = JsonNode.Parse(_buffer.AsSpan(_start + 4, length)) as JsonObject ?? throw new ShimProtocolException("frame header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ShimProtocolException("frame header is not JSON: " + e.Message);
        }
        var size = (long?)header["size"] ?? 0;
        if (size < 0 || size > maxBody)
            throw new ShimProtocolException($"result of {size} bytes exceeds the limit of {maxBody} bytes");
        if (!await FillAsync(4 + length + (int)size, cancellationToken))
            return null;
        var body = _buffer.AsSpan(_start + 4 + length, (int)size).ToArray();
        _start += 4 + length + (int)size;
        return new ShimFrame(header, body);
    }

    /// <summary>Buffers at least <paramref name="count"/> bytes of the current frame; false at end of stream.</summary>
    private async ValueTask<bool> FillAsync(int count, CancellationToken cancellationToken)
    {
        if (_end - _start >= count)
            return true;
        if (_buffer.Length - _start < count)
        {
            // Move the partial frame to the front, growing the buffer for a large one.
            var target = _buffer.Length >= count ? _buffer : new byte[Math.Max(count, _buffer.Length * 2)];
            Buffer.BlockCopy(_buffer, _start, target, 0, _end - _start);
            _end -= _start;
            _start = 0;
            _buffer = target;
        }
        while (_end - _start < count)
        {
            var n = await stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (n == 0)
                return false;
            _end += n;
        }
        return true;
    }
}

internal sealed class ShimProtocolException(string message) : Exception(message);
