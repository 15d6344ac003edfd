using Fjord.Core.Nodes;
using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore : INodeStore
{
    /// <summary>
    /// One statement per beat: the node's row replaced, stamped with the database's clock (the
    /// one clock every node shares, as for leases), and nodes silent for a day forgotten.
    /// </summary>
    public Task BeatAsync(NodeReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                WITH forget AS (DELETE FROM nodes WHERE last_seen < fjord_now_ms() - $3 AND id <> $1)
                INSERT INTO nodes (id, last_seen, report) VALUES ($1, fjord_now_ms(), $2)
                ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, report = excluded.report
                """).Arg(report.Id).Arg(NodeJson.Write(report)).Arg((long)NodeHeartbeat.ForgetAfter.TotalMilliseconds);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(TimeSpan silentAfter, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT last_seen, report, fjord_now_ms() - last_seen < $1 FROM nodes ORDER BY id").Arg((long)silentAfter.TotalMilliseconds);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var nodes = new List<NodeRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (NodeJson.Read(reader.GetString(1)) is { } report)
                nodes.Add(new NodeRecord(report, UnixMs.To(reader.GetInt64(0)), reader.GetBoolean(2)));
        }
        return nodes;
    }
}
