using System.Buffers.Binary;
using System.IO.Compression;

namespace Fjord.Storage.Redis;

/// <summary>
/// How a payload or result is kept in Redis, where every byte is memory. Bodies of at least
/// <see cref="RedisStoreOptions.CompressAbove"/> bytes are kept Brotli-compressed behind a header
/// (magic, original length), when that is smaller; shorter or incompressible ones as they came.
/// A body that itself begins with the magic is always wrapped, so a reader never mistakes raw
/// bytes for a header. The stored form is bounded by <see cref="RedisStoreOptions.MaxBodyBytes"/>.
/// The scripts move the stored form untouched: only this class reads it.
/// </summary>
internal static class StoredBody
{
    /// <summary>NUL, "FZ", version 1: then the original length (8 bytes, little endian), then Brotli.</summary>
    private static ReadOnlySpan<byte> Magic => [0x00, (byte)'F', (byte)'Z', 0x01];

    public const int HeaderLength = 12;

    /// <summary>Brotli's quality 4: most of the saving at a small share of the best level's time.</summary>
    private const int Quality = 4;

    private const int Window = 22;

    /// <summary>The stored form of <paramref name="body"/>; null when even that is larger than <paramref name="maxBytes"/>.</summary>
    public static ReadOnlyMemory<byte>? Encode(ReadOnlyMemory<byte> body, int compressAbove, long maxBytes)
    {
        var wrapped = IsWrapped(body.Span);
        if (body.Length < compressAbove && !wrapped)
            return Fit(body, maxBytes);
        var stored = new byte[HeaderLength + BrotliEncoder.GetMaxCompressedLength(body.Length)];
        if (!BrotliEncoder.TryCompress(body.Span, stored.AsSpan(HeaderLength), out var written, Quality, Window))
            throw new InvalidOperationException("Brotli could not compress the body");
        if (!wrapped && HeaderLength + written >= body.Length)
            return Fit(body, maxBytes);
        Magic.CopyTo(stored);
        BinaryPrimitives.WriteInt64LittleEndian(stored.AsSpan(Magic.Length), body.Length);
        return Fit(stored.AsMemory(0, HeaderLength + written), maxBytes);
    }

    /// <summary>Spelled out: a bare <c>null</c> would convert to an empty body (through byte[]), not to "refused".</summary>
    private static ReadOnlyMemory<byte>? Fit(ReadOnlyMemory<byte> stored, long maxBytes)
    {
        if (stored.Length > maxBytes)
            return null;
        return stored;
    }

    /// <summary>The body as it came, from its stored form.</summary>
    public static byte[] Decode(byte[] stored)
    {
        if (OriginalLength(stored) is not { } length)
            return stored;
        if (length < 0 || length > Array.MaxLength)
            throw new InvalidDataException($"a compressed body in Redis claims {length} bytes");
        var body = new byte[length];
        if (!BrotliDecoder.TryDecompress(stored.AsSpan(HeaderLength), body, out var written) || written != length)
            throw new InvalidDataException("a compressed body in Redis does not decompress to its recorded length");
        return body;
    }

    /// <summary>The original length from a stored form's first <see cref="HeaderLength"/> bytes, or null when it is kept as it came.</summary>
    public static long? OriginalLength(ReadOnlySpan<byte> head) =>
        head.Length >= HeaderLength && IsWrapped(head) ? BinaryPrimitives.ReadInt64LittleEndian(head[Magic.Length..]) : null;

    private static bool IsWrapped(ReadOnlySpan<byte> bytes) => bytes.StartsWith(Magic);

    /// <summary>Why a body was refused, in the words intake and a failed job show.</summary>
    public static string TooLarge(string what, long length, long maxBytes) =>
        $"the {what} is {length} bytes and more than {maxBytes} bytes even compressed, the most this Redis store keeps per payload or result (--redis-max-body)";
}
