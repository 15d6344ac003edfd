using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore : IJobPreviews
{
    public async Task<BodyHead?> GetBodyHeadAsync(string id, JobBody body, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        // substring() of a bytea counts bytes; octet_length() is the stored length.
        await using var command = _dataSource.CreateCommand(body == JobBody.Payload
            ? "SELECT substring(payload from 1 for $2), octet_length(payload), content_type FROM jobs WHERE id = $1"
            : "SELECT substring(result from 1 for $2), octet_length(result), result_content_type FROM jobs WHERE id = $1 AND result IS NOT NULL").Arg(id).Arg(maxBytes);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var head = reader.IsDBNull(0) ? [] : reader.GetFieldValue<byte[]>(0);
        return new BodyHead(head, reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task<IReadOnlyList<string>> GetAttemptLogsAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT coalesce(log, '') FROM attempts WHERE job_id = $1 ORDER BY seq").Arg(id);
        var logs = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            logs.Add(reader.GetString(0));
        return logs;
    }
}
