using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore : IJobPreviews
{
    public async Task<BodyHead?> GetBodyHeadAsync(string id, JobBody body, int maxBytes, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        // substr() of a blob counts bytes and reads only the pages it needs; length() reads none.
        command.CommandText = body == JobBody.Payload
            ? "SELECT substr(payload, 1, $n), length(payload), content_type FROM jobs WHERE id = $id"
            : "SELECT substr(result, 1, $n), length(result), result_content_type FROM jobs WHERE id = $id AND result IS NOT NULL";
        command.Parameters.AddWithValue("$id", id);
        command.Parameters.AddWithValue("$n", maxBytes);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var head = reader.IsDBNull(0) || maxBytes == 0 ? [] : reader.GetFieldValue<byte[]>(0);
        return new BodyHead(head, reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2));
    }

    public async Task<IReadOnlyList<string>> GetAttemptLogsAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT coalesce(log, '') FROM attempts WHERE job_id = $id ORDER BY rowid";
        command.Parameters.AddWithValue("$id", id);
        var logs = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            logs.Add(reader.GetString(0));
        return logs;
    }
}
