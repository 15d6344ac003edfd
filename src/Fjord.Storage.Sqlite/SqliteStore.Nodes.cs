using Fjord.Core.Nodes;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore : INodeStore
{
    public Task BeatAsync(NodeReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return _writer.Post(new BeatOp(report) { CancellationToken = cancellationToken });
    }

    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(TimeSpan silentAfter, CancellationToken cancellationToken)
    {
        var now = UnixMs.Now(_options.Time);
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT last_seen, report FROM nodes ORDER BY id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var nodes = new List<NodeRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var lastSeen = reader.GetInt64(0);
            if (NodeJson.Read(reader.GetString(1)) is { } report)
                nodes.Add(new NodeRecord(report, UnixMs.To(lastSeen), now - lastSeen < (long)silentAfter.TotalMilliseconds));
        }
        return nodes;
    }
}
