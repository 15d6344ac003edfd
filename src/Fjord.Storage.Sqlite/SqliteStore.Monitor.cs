using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public string Name => "store";

    /// <summary>
    /// Per function: ready (waiting and due), scheduled (waiting, not yet due), running, and the
    /// running totals of succeeded and failed kept in the counters table. Waiting counts walk the
    /// partial queue index only, never the finished rows.
    /// </summary>
    public async Task<IReadOnlyList<QueueStats>> GetQueuesAsync(CancellationToken cancellationToken)
    {
        var now = UnixMs.Now(_options.Time);
        var rows = new SortedDictionary<string, QueueStats>(StringComparer.Ordinal);

        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT function, sum(run_at <= $now), sum(run_at > $now), 0, 0, 0, 0, 0, coalesce($now - min(CASE WHEN run_at <= $now THEN run_at END), 0), NULL
                FROM jobs WHERE status IN ({JobSql.Waiting}) GROUP BY function
            UNION ALL SELECT function, 0, 0, count(*), 0, 0, 0, 1, 0, node FROM jobs WHERE status = {JobSql.Running} GROUP BY function, node
            UNION ALL SELECT function, 0, 0, 0, succeeded, failed, 0, 2, 0, NULL FROM counters
            UNION ALL SELECT name, 0, 0, 0, 0, 0, paused, 3, 0, NULL FROM functions
            """;
        command.Parameters.AddWithValue("$now", now);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            QueueStatsRows.Add(rows, reader);
        return [.. rows.Values];
    }

    /// <summary>Ready when the writer runs and a read of the file answers.</summary>
    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        if (_writer.Fault is { } fault)
            return new Readiness(false, $"the store writer stopped: {fault.Message}");
        try
        {
            await using var connection = await OpenReadAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT count(*) FROM meta";
            await command.ExecuteScalarAsync(cancellationToken);
            return new Readiness(true, $"sqlite {_options.Path}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return new Readiness(false, $"the store file does not answer: {ex.Message}");
        }
    }
}
