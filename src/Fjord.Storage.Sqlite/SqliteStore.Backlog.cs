using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>
    /// The head of each function's due index (<c>jobs_due</c>: function, run_at): the oldest ready
    /// job is its first entry, and the count walks at most <paramref name="cap"/> entries. Read on
    /// a pooled read connection, beside the writer, never through it.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, Backlog>> GetBacklogAsync(IReadOnlyCollection<string> functions, int cap, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(functions);
        var result = new Dictionary<string, Backlog>(functions.Count, StringComparer.Ordinal);
        if (functions.Count == 0)
            return result;
        var now = UnixMs.Now(_options.Time);
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT count(*), coalesce(min(run_at), $now) FROM (
                SELECT run_at FROM jobs WHERE function = $function AND status IN ({JobSql.Waiting}) AND run_at <= $now
                ORDER BY run_at LIMIT $cap)
            WHERE NOT EXISTS (SELECT 1 FROM functions WHERE name = $function AND paused != 0)
            """;
        var function = command.Parameters.Add("$function", Microsoft.Data.Sqlite.SqliteType.Text);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$cap", Math.Max(1, cap));
        foreach (var name in functions)
        {
            function.Value = name;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            if (await reader.ReadAsync(cancellationToken))
                result[name] = new Backlog(reader.GetInt64(0), TimeSpan.FromMilliseconds(Math.Max(0, now - reader.GetInt64(1))));
        }
        return result;
    }

    public void ListenForWork(Action<string> listener) => _writer.WorkListener = listener;
}
