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

    public string? Type => (string?)Header["type"];

    public static async Task WriteAsync(Stream stream, JsonObject header, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        header["size"] = body.Length;
        var json = JsonSerializer.SerializeToUtf8Bytes(header);
        var prefix = new byte[4];
        BinaryPrimitives.WriteInt32BigEndian(prefix, json.Length);
        await stream.WriteAsync(prefix, cancellationToken);
        await stream.WriteAsync(json, cancellationToken);
        if (!body.IsEmpty)
            await stream.WriteAsync(body, cancellationToken);
        await stream.FlushAsync(cancellationToken);
    }

    /// <summary>The next frame, or null at end of stream (the shim exited or closed its protocol pipe).</summary>
    /// <exception cref="ShimProtocolException">The shim sent something that is not a frame, or a body over <paramref name="maxBody"/>.</exception>
    public static async Task<ShimFrame?> ReadAsync(Stream stream, int maxBody, CancellationToken cancellationToken)
    {
        var prefix = new byte[4];
        if (await stream.ReadAtLeastAsync(prefix, 4, throwOnEndOfStream: false, cancellationToken) < 4)
            return null;
        var length = BinaryPrimitives.ReadInt32BigEndian(prefix);
        if (length is <= 0 or > MaxHeaderBytes)
            throw new ShimProtocolException($"bad frame header length {length}");
        var json = new byte[length];
        if (await stream.ReadAtLeastAsync(json, length, throwOnEndOfStream: false, cancellationToken) < length)
            return null;
        JsonObject header;
        try
        {
            header = JsonNode.Parse(json) as JsonObject ?? throw new ShimProtocolException("frame header is not a JSON object");
        }
        catch (JsonException e)
        {
            throw new ShimProtocolException("frame header is not JSON: " + e.Message);
        }
        var size = (long?)header["size"] ?? 0;
        if (size < 0 || size > maxBody)
            throw new ShimProtocolException($"result of {size} bytes exceeds the limit of {maxBody} bytes");
        var body = new byte[size];
        if (await stream.ReadAtLeastAsync(body, (int)size, throwOnEndOfStream: false, cancellationToken) < size)
            return null;
        return new ShimFrame(header, body);
    }
}

internal sealed class ShimProtocolException(string message) : Exception(message);
