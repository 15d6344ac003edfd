using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

/// <summary>Images as chunk rows (<see cref="ImageChunks"/>): written through the writer a chunk per op, read through the pooled readers.</summary>
public sealed partial class SqliteStore : IImageStore
{
    public async Task<StoredImage?> GetImageAsync(string digest, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT size, created_at FROM images WHERE digest = $digest";
        command.Parameters.AddWithValue("$digest", digest);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? new StoredImage(digest, reader.GetInt64(0), UnixMs.To(reader.GetInt64(1))) : null;
    }

    public async Task<StoredImage> PutImageAsync(string digest, Stream content, long maxBytes, CancellationToken cancellationToken)
    {
        if (await GetImageAsync(digest, cancellationToken) is { } stored)
            return stored;
        var upload = Guid.NewGuid().ToString("N");
        try
        {
            var (size, chunks) = await ImageChunks.CopyAsync(digest, content, maxBytes,
                (seq, data, ct) => _writer.Post(new PutImageChunkOp(upload, seq, data.ToArray()) { CancellationToken = ct }), cancellationToken);
            await _writer.Post(new FinishImageOp(digest, upload, size, chunks) { CancellationToken = cancellationToken });
        }
        catch
        {
            await _writer.Post(new DiscardImageChunksOp(upload));
            throw;
        }
        return await GetImageAsync(digest, cancellationToken) ?? throw new InvalidOperationException($"image {digest} vanished after it was stored");
    }

    public async Task<Stream?> OpenImageAsync(string digest, CancellationToken cancellationToken)
    {
        string upload;
        long size;
        int chunks;
        await using (var connection = await OpenReadAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT upload, size, chunks FROM images WHERE digest = $digest";
            command.Parameters.AddWithValue("$digest", digest);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
                return null;
            (upload, size, chunks) = (reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2));
        }
        return ImageChunks.Open(chunks, size, async (seq, ct) =>
        {
            await using var connection = await OpenReadAsync(ct);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT data FROM image_chunks WHERE upload = $upload AND seq = $seq";
            command.Parameters.AddWithValue("$upload", upload);
            command.Parameters.AddWithValue("$seq", seq);
            return await command.ExecuteScalarAsync(ct) as byte[]
                ?? throw new InvalidOperationException($"chunk {seq} of image {digest} is missing from the store");
        });
    }

    public async Task<IReadOnlyList<StoredImage>> ListImagesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT digest, size, created_at FROM images ORDER BY digest";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var images = new List<StoredImage>();
        while (await reader.ReadAsync(cancellationToken))
            images.Add(new StoredImage(reader.GetString(0), reader.GetInt64(1), UnixMs.To(reader.GetInt64(2))));
        return images;
    }

    public Task<bool> DeleteImageAsync(string digest, CancellationToken cancellationToken) =>
        _writer.Post(new DeleteImageOp(digest) { CancellationToken = cancellationToken });
}
