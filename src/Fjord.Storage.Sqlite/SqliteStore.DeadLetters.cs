using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>How many dead letters one write moves: large enough to be quick, small enough not to stall intake.</summary>
    internal const int DeadLetterChunk = 1000;

    /// <summary>Chunk by chunk; each job's move is atomic, so a crash midway leaves whole jobs on either side.</summary>
    public Task<long> RetryDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return InChunksAsync(() => new RetryDeadLettersOp(filter, DeadLetterChunk) { CancellationToken = cancellationToken });
    }

    public Task<long> PurgeDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return InChunksAsync(() => new PurgeDeadLettersOp(filter, DeadLetterChunk) { CancellationToken = cancellationToken });
    }

    /// <summary>
    /// A chunk moves its jobs out of the selection (they are no longer dead letters), so the
    /// loop ends when a chunk comes back short, however many arrive meanwhile.
    /// </summary>
    private async Task<long> InChunksAsync(Func<WriteOp<int>> chunk)
    {
        long total = 0;
        while (true)
        {
            var moved = await _writer.Post(chunk());
            total += moved;
            if (moved < DeadLetterChunk)
                return total;
        }
    }
}
