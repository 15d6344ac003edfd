using System.Security.Cryptography;
using Fjord.Core.Storage;

namespace Fjord.Backends.Tests;

/// <summary>Images by digest, run against every store: streamed in and out as chunk rows, verified on the way in.</summary>
public abstract class ImageContract
{
    protected abstract Task<Backend> CreateAsync();

    private static IImageStore Images(Backend b) => Assert.IsAssignableFrom<IImageStore>(b.Functions);

    private static (byte[] Bytes, string Digest) Content(int size)
    {
        var bytes = new byte[size];
        new Random(size).NextBytes(bytes);
        return (bytes, "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task ABigImage_RoundTripsThroughChunks_ReadAtATrickle()
    {
        await using var b = await CreateAsync();
        // Over two chunks, not a multiple of the chunk size: the last row is short.
        var (bytes, digest) = Content(ImageChunks.ChunkSize * 2 + 12_345);
        Assert.Null(await Images(b).GetImageAsync(digest, default));

        var stored = await Images(b).PutImageAsync(digest, new TrickleStream(bytes), bytes.Length, default);
        Assert.Equal(digest, stored.Digest);
        Assert.Equal(bytes.Length, stored.Size);
        Assert.Equal(bytes.Length, (await Images(b).GetImageAsync(digest, default))!.Size);

        await using var read = (await Images(b).OpenImageAsync(digest, default))!;
        var copy = new MemoryStream();
        await read.CopyToAsync(copy, 1000);
        Assert.Equal(bytes, copy.ToArray());

        // The same digest again keeps the first copy and reads no byte of the second.
        var again = await Images(b).PutImageAsync(digest, new ThrowingStream(), bytes.Length, default);
        Assert.Equal(stored.CreatedAt, again.CreatedAt);
    }

    [Fact]
    public async Task ADigestMismatch_IsRefused_AndNothingIsStored()
    {
        await using var b = await CreateAsync();
        var (bytes, _) = Content(ImageChunks.ChunkSize + 7);
        var (_, other) = Content(99);

        var error = await Assert.ThrowsAsync<ImageRefusedException>(() => Images(b).PutImageAsync(other, new MemoryStream(bytes), long.MaxValue, default));
        Assert.False(error.TooLarge);
        Assert.Contains(other, error.Message, StringComparison.Ordinal);
        Assert.Null(await Images(b).GetImageAsync(other, default));
        Assert.Null(await Images(b).OpenImageAsync(other, default));
        Assert.Empty(await Images(b).ListImagesAsync(default));
    }

    [Fact]
    public async Task AnImageOverTheLimit_IsRefusedAsTooLarge()
    {
        await using var b = await CreateAsync();
        var (bytes, digest) = Content(ImageChunks.ChunkSize + 1);

        var error = await Assert.ThrowsAsync<ImageRefusedException>(() => Images(b).PutImageAsync(digest, new MemoryStream(bytes), ImageChunks.ChunkSize, default));
        Assert.True(error.TooLarge);
        Assert.Null(await Images(b).GetImageAsync(digest, default));
    }

    [Fact]
    public async Task List_ShowsSizes_Delete_RemovesOneImage()
    {
        await using var b = await CreateAsync();
        var small = Content(10);
        var large = Content(100_000);
        await Images(b).PutImageAsync(small.Digest, new MemoryStream(small.Bytes), 1 << 20, default);
        await Images(b).PutImageAsync(large.Digest, new MemoryStream(large.Bytes), 1 << 20, default);

        var listed = await Images(b).ListImagesAsync(default);
        Assert.Equal(new[] { small, large }.Select(i => i.Digest).Order(StringComparer.Ordinal), listed.Select(i => i.Digest));
        Assert.Equal(100_000, listed.Single(i => i.Digest == large.Digest).Size);

        Assert.True(await Images(b).DeleteImageAsync(large.Digest, default));
        Assert.False(await Images(b).DeleteImageAsync(large.Digest, default));
        Assert.Null(await Images(b).OpenImageAsync(large.Digest, default));
        Assert.Equal([small.Digest], (await Images(b).ListImagesAsync(default)).Select(i => i.Digest));
        await using var read = (await Images(b).OpenImageAsync(small.Digest, default))!;
        var copy = new MemoryStream();
        await read.CopyToAsync(copy);
        Assert.Equal(small.Bytes, copy.ToArray());
    }

    /// <summary>Hands out at most 777 bytes per read, as a slow network would.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, 777)], cancellationToken);
    }

    private sealed class ThrowingStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new InvalidOperationException("an image already stored must not be read again");
    }
}

public sealed class SqliteImageContract : ImageContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();
}

public sealed class PostgresImageContract : ImageContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();
}
