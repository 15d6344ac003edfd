using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <summary>
    /// Per function: ready, scheduled and running from the job rows (waiting and running rows
    /// only, through partial indexes), totals from the counters kept in the completing writes;
    /// the oldest ready job's age from the same walk, running by node from the running rows.
    /// </summary>
    public async Task<IReadOnlyList<QueueStats>> GetQueuesAsync(CancellationToken cancellationToken)
    {
        var rows = new SortedDictionary<string, QueueStats>(StringComparer.Ordinal);

        await using var command = _dataSource.CreateCommand($"""
            SELECT function, count(*) FILTER (WHERE run_at <= fjord_now_ms()), count(*) FILTER (WHERE run_at > fjord_now_ms()), 0::bigint, 0::bigint, 0::bigint, false, 0,
                    coalesce(fjord_now_ms() - min(run_at) FILTER (WHERE run_at <= fjord_now_ms()), 0)::bigint, NULL::text
                FROM jobs WHERE status IN ({JobSql.Waiting}) GROUP BY function
            UNION ALL SELECT function, 0, 0, count(*), 0, 0, false, 1, 0, node FROM jobs WHERE status = {JobSql.Running} GROUP BY function, node
            UNION ALL SELECT function, 0, 0, 0, sum(succeeded)::bigint, sum(failed)::bigint, false, 2, 0, NULL FROM counters GROUP BY function
            UNION ALL SELECT name, 0, 0, 0, 0, 0, paused, 3, 0, NULL FROM functions
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            QueueStatsRows.Add(rows, reader);
        return [.. rows.Values];
    }
}
