using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

/// <summary>
/// Images as chunk rows (<see cref="ImageChunks"/>), one INSERT per chunk and the images row
/// last. Every worker of a cluster reads them from here: no shared disk is assumed.
/// </summary>
public sealed partial class PostgresStore : IImageStore
{
    public async Task<StoredImage?> GetImageAsync(string digest, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT size, created_at FROM images WHERE digest = $1").Arg(digest);
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
            var (size, chunks) = await ImageChunks.CopyAsync(digest, content, maxBytes, (seq, data, ct) => Guard(async () =>
            {
                await using var command = _dataSource.CreateCommand("INSERT INTO image_chunks (upload, seq, data) VALUES ($1, $2, $3)")
                    .Arg(upload).Arg(seq).Arg(data);
                return await command.ExecuteNonQueryAsync(ct);
            }), cancellationToken);
            var inserted = await Guard(async () =>
            {
                await using var command = _dataSource.CreateCommand("""
                    INSERT INTO images (digest, upload, size, chunks, created_at) VALUES ($1, $2, $3, $4, fjord_now_ms())
                    ON CONFLICT (digest) DO NOTHING
                    """).Arg(digest).Arg(upload).Arg(size).Arg(chunks);
                return await command.ExecuteNonQueryAsync(cancellationToken);
            });
            if (inserted == 0)
                await DiscardChunksAsync(upload);
        }
        catch
        {
            await DiscardChunksAsync(upload);
            throw;
        }
        return await GetImageAsync(digest, cancellationToken) ?? throw new InvalidOperationException($"image {digest} vanished after it was stored");
    }

    public async Task<Stream?> OpenImageAsync(string digest, CancellationToken cancellationToken)
    {
        string upload;
        long size;
        int chunks;
        await using (var command = _dataSource.CreateCommand("SELECT upload, size, chunks FROM images WHERE digest = $1").Arg(digest))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return null;
            (upload, size, chunks) = (reader.GetString(0), reader.GetInt64(1), reader.GetInt32(2));
        }
        return ImageChunks.Open(chunks, size, async (seq, ct) =>
        {
            await using var command = _dataSource.CreateCommand("SELECT data FROM image_chunks WHERE upload = $1 AND seq = $2").Arg(upload).Arg(seq);
            return await command.ExecuteScalarAsync(ct) as byte[]
                ?? throw new InvalidOperationException($"chunk {seq} of image {digest} is missing from the store");
        });
    }

    public async Task<IReadOnlyList<StoredImage>> ListImagesAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT digest, size, created_at FROM images ORDER BY digest");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var images = new List<StoredImage>();
        while (await reader.ReadAsync(cancellationToken))
            images.Add(new StoredImage(reader.GetString(0), reader.GetInt64(1), UnixMs.To(reader.GetInt64(2))));
        return images;
    }

    public Task<bool> DeleteImageAsync(string digest, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var command = _dataSource.CreateCommand("""
            WITH gone AS (DELETE FROM images WHERE digest = $1 RETURNING upload),
                 chunks AS (DELETE FROM image_chunks WHERE upload IN (SELECT upload FROM gone))
            SELECT count(*) FROM gone
            """).Arg(digest);
        return await command.ExecuteScalarAsync(cancellationToken) is long n && n > 0;
    });

    private Task<int> DiscardChunksAsync(string upload) => Guard(async () =>
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM image_chunks WHERE upload = $1").Arg(upload);
        return await command.ExecuteNonQueryAsync(CancellationToken.None);
    });
}
