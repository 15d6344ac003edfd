using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore : IAttemptLogs
{
    public async Task<string?> GetAttemptLogAsync(string id, int attempt, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT coalesce(log, '') FROM attempts WHERE job_id = $1 AND number = $2 ORDER BY seq DESC LIMIT 1").Arg(id).Arg(attempt);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
