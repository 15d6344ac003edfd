using System.Security.Cryptography;
using Fjord.Core.Images;

namespace Fjord.Core.Storage;

/// <summary>
/// How both stores keep an image: rows of at most <see cref="ChunkSize"/> bytes under an upload id,
/// plus one row naming the digest, written last, once every chunk is in and the bytes hash to the
/// digest. A reader only finds an upload through that last row, so a half-written or refused upload
/// is never read; its chunks are deleted by the writer that gave up on them.
/// </summary>
public static class ImageChunks
{
    /// <summary>4 MiB: a 2 GiB image is 512 rows, each small enough for one SQLite write group or one PostgreSQL statement.</summary>
    public const int ChunkSize = 4 * 1024 * 1024;

    /// <summary>
    /// Copies <paramref name="content"/> chunk by chunk into <paramref name="writeChunk"/> (sequence
    /// number, bytes), hashing as it goes; returns the size and chunk count, or throws
    /// <see cref="ImageRefusedException"/> when the bytes exceed <paramref name="maxBytes"/> or do not
    /// hash to <paramref name="digest"/>.
    /// </summary>
    public static async Task<(long Size, int Chunks)> CopyAsync(string digest, Stream content, long maxBytes,
        Func<int, ReadOnlyMemory<byte>, CancellationToken, Task> writeChunk, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(writeChunk);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[ChunkSize];
        long size = 0;
        var chunks = 0;
        while (true)
        {
            var filled = 0;
            while (filled < buffer.Length)
            {
                var n = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken);
                if (n == 0)
                    break;
                filled += n;
            }
            if (filled == 0)
                break;
            size += filled;
            if (size > maxBytes)
                throw new ImageRefusedException($"the image is larger than {maxBytes} bytes") { TooLarge = true };
            hash.AppendData(buffer, 0, filled);
            await writeChunk(chunks++, buffer.AsMemory(0, filled), cancellationToken);
            if (filled < buffer.Length)
                break;
        }
        var actual = Sha256Digest.Of(hash);
        if (actual != digest)
            throw new ImageRefusedException($"the uploaded bytes hash to {actual}, not {digest}");
        return (size, chunks);
    }

    /// <summary>A read-only stream over chunk rows 0 … <paramref name="chunks"/>-1, fetched one at a time as the reader needs them.</summary>
    public static Stream Open(int chunks, long size, Func<int, CancellationToken, Task<byte[]>> readChunk) =>
        new ChunkReadStream(chunks, size, readChunk);

    /// <summary>True for "sha256:" and 64 lower-case hex digits.</summary>
    public static bool IsDigest(string? digest) =>
        digest is not null && digest.StartsWith(Sha256Digest.Prefix, StringComparison.Ordinal) && Sha256Digest.IsHex(digest.AsSpan(Sha256Digest.Prefix.Length));

    private sealed class ChunkReadStream(int chunks, long size, Func<int, CancellationToken, Task<byte[]>> readChunk) : Stream
    {
        private byte[] _current = [];
        private int _offset;
        private int _next;
        private long _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => size;

        public override long Position { get => _position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            while (_offset == _current.Length)
            {
                if (_next == chunks)
                    return 0;
                _current = await readChunk(_next++, cancellationToken);
                _offset = 0;
            }
            var n = Math.Min(buffer.Length, _current.Length - _offset);
            _current.AsMemory(_offset, n).CopyTo(buffer);
            _offset += n;
            _position += n;
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
