using System.Globalization;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// Code bundles (up to 64 MiB), content-addressed by their hash and written once. One value that
/// large would stall Redis while it is written, read, replicated or rewritten into the AOF, so a
/// bundle is kept as chunks of at most <see cref="ImageChunks.ChunkSize"/> (bc:HASH:N, as the
/// other stores keep images) and a manifest (bm:HASH: "chunks length") written last: a reader
/// sees the whole bundle or none. Chunks are keyed by the hash, so an upload cut off halfway and
/// tried again writes the same bytes over them.
/// </summary>
public sealed partial class RedisStore
{
    public Task PutBundleAsync(string hash, byte[] zip, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        ArgumentNullException.ThrowIfNull(zip);
        return Guard(async () =>
        {
            if (await Db.KeyExistsAsync(P + "bm:" + hash))
                return false;
            var chunks = 0;
            for (var at = 0; at < zip.Length || chunks == 0; at += ImageChunks.ChunkSize, chunks++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var length = Math.Min(ImageChunks.ChunkSize, zip.Length - at);
                await Db.StringSetAsync(P + "bc:" + hash + ":" + chunks.ToString(CultureInfo.InvariantCulture), zip.AsMemory(at, length));
            }
            return await Db.StringSetAsync(P + "bm:" + hash, $"{chunks} {zip.Length}", when: When.NotExists);
        });
    }

    public Task<byte[]?> GetBundleAsync(string hash, CancellationToken cancellationToken) => Guard<byte[]?>(async () =>
    {
        var manifest = (string?)await Db.StringGetAsync(P + "bm:" + hash);
        if (manifest is null)
            return null;
        var parts = manifest.Split(' ');
        var chunks = int.Parse(parts[0], CultureInfo.InvariantCulture);
        var zip = new byte[long.Parse(parts[1], CultureInfo.InvariantCulture)];
        var at = 0;
        for (var i = 0; i < chunks; i++)
        {
            var chunk = (byte[]?)await Db.StringGetAsync(P + "bc:" + hash + ":" + i.ToString(CultureInfo.InvariantCulture))
                ?? throw new InvalidDataException($"bundle {hash} lost its chunk {i} in Redis");
            chunk.CopyTo(zip, at);
            at += chunk.Length;
        }
        return at == zip.Length ? zip : throw new InvalidDataException($"bundle {hash} in Redis is {at} bytes, its manifest says {zip.Length}");
    });
}
