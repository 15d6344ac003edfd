namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// One chunk row of an upload in progress. Not fsynced on its own: the images row that makes the
/// upload visible is written durably after the last chunk, and a WAL commit that is on disk makes
/// every earlier commit durable with it.
/// </summary>
internal sealed class PutImageChunkOp(string upload, int seq, byte[] data) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("INSERT INTO image_chunks (upload, seq, data) VALUES ($upload, $seq, $data)");

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override int Weight => 1 + data.Length / (64 * 1024);

    public override void Execute(WriteContext context)
    {
        context.Sql[Sql].Set("$upload", upload).Set("$seq", seq).Set("$data", data).Run();
        Result = true;
    }
}

/// <summary>Makes a verified upload visible under its digest; false (and its chunks dropped) when the digest was already stored.</summary>
internal sealed class FinishImageOp(string digest, string upload, long size, int chunks) : WriteOp<bool>
{
    private static readonly SqlText Insert = new("""
        INSERT INTO images (digest, upload, size, chunks, created_at) VALUES ($digest, $upload, $size, $chunks, $now)
        ON CONFLICT(digest) DO NOTHING
        """);

    private static readonly SqlText Drop = new("DELETE FROM image_chunks WHERE upload = $upload");

    public override bool Durable => true;

    public override void Execute(WriteContext context)
    {
        Result = context.Sql[Insert].Set("$digest", digest).Set("$upload", upload).Set("$size", size).Set("$chunks", chunks).Set("$now", context.Now).Run() > 0;
        if (!Result)
            context.Sql[Drop].Set("$upload", upload).Run();
    }
}

/// <summary>Drops the chunks of an upload that was refused or abandoned.</summary>
internal sealed class DiscardImageChunksOp(string upload) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("DELETE FROM image_chunks WHERE upload = $upload");

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) => Result = context.Sql[Sql].Set("$upload", upload).Run() > 0;
}

/// <summary>Removes a stored image and its chunks.</summary>
internal sealed class DeleteImageOp(string digest) : WriteOp<bool>
{
    private static readonly SqlText Chunks = new("DELETE FROM image_chunks WHERE upload = (SELECT upload FROM images WHERE digest = $digest)");

    private static readonly SqlText Row = new("DELETE FROM images WHERE digest = $digest");

    public override bool Durable => true;

    public override void Execute(WriteContext context)
    {
        context.Sql[Chunks].Set("$digest", digest).Run();
        Result = context.Sql[Row].Set("$digest", digest).Run() > 0;
    }
}
