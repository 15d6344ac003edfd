using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore : IAttemptLogs
{
    public async Task<string?> GetAttemptLogAsync(string id, int attempt, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(log, '') FROM attempts WHERE job_id = $id AND number = $n ORDER BY rowid DESC LIMIT 1";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$n", attempt);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
