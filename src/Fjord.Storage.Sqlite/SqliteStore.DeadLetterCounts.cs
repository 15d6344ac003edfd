using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>The bulk commands' own WHERE, so the count is what they would move; the partial index jobs_dead covers it.</summary>
    public async Task<long> CountDeadLettersAsync(DeadLetterFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT count(*) FROM jobs INDEXED BY jobs_dead WHERE {DeadLetterSelection.Where}";
        command.Parameters.AddWithValue("$function", (object?)filter.Function ?? DBNull.Value);
        command.Parameters.AddWithValue("$kind", (object?)filter.ErrorKind?.ToString().ToLowerInvariant() ?? DBNull.Value);
        command.Parameters.AddWithValue("$since", filter.Since is { } since ? UnixMs.From(since) : (object)DBNull.Value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken) ?? 0L);
    }

    /// <summary>One walk of the partial index jobs_dead (failed rows only, in group order): no sort, no table reads.</summary>
    public async Task<IReadOnlyList<DeadLetterGroup>> GroupDeadLettersAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT function, error_kind, count(*), max(finished_at) FROM jobs INDEXED BY jobs_dead
            WHERE status = {JobSql.Failed} GROUP BY function, error_kind ORDER BY function, error_kind
            """;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var groups = new List<DeadLetterGroup>();
        while (await reader.ReadAsync(cancellationToken))
        {
            groups.Add(DeadLetterGroup.Read(reader));
        }
        return groups;
    }
}
