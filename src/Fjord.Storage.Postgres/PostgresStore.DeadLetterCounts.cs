using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <summary>The bulk commands' own selection, so the count is what they would move; the partial index jobs_dead covers it.</summary>
    public async Task<long> CountDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var command = _dataSource.CreateCommand($"SELECT count(*) FROM jobs WHERE {DeadLetterWhere}")
            .Arg(filter.Function)
            .Arg(filter.ErrorKind?.ToString().ToLowerInvariant())
            .Arg(filter.Since is { } since ? UnixMs.From(since) : (long?)null);
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    }

    public async Task<IReadOnlyList<DeadLetterGroup>> GroupDeadLettersAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"""
            SELECT function, error_kind, count(*), max(finished_at) FROM jobs
            WHERE status = {JobSql.Failed} GROUP BY function, error_kind ORDER BY function, error_kind
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var groups = new List<DeadLetterGroup>();
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(DeadLetterGroup.Read(reader));
        }
        return groups;
    }
}
