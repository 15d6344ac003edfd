using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    /// <summary>
    /// A read looks first: an idle dispatcher polls, and a poll that finds nothing due must not
    /// cost a write group.
    /// </summary>
    public async Task<IReadOnlyList<PendingCallback>> ClaimDueCallbacksAsync(int max, TimeSpan hold, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        await using (var connection = await OpenReadAsync(cancellationToken))
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT EXISTS (SELECT 1 FROM callbacks WHERE next_at <= $now)";
            command.Parameters.AddWithValue("$now", UnixMs.Now(_options.Time));
            if (await command.ExecuteScalarAsync(cancellationToken) is not long any || any == 0)
                return [];
        }
        return await _writer.Post(new ClaimCallbacksOp(max, (long)hold.TotalMilliseconds) { CancellationToken = cancellationToken });
    }

    public Task RecordCallbackAsync(long callbackId, CallbackDelivery delivery, DateTimeOffset? nextTry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        long? next = nextTry is { } at ? UnixMs.From(at) : null;
        return _writer.Post(new RecordCallbackOp(callbackId, delivery, next) { CancellationToken = cancellationToken });
    }

    private static List<CallbackRecord> ReadCallbacks(SqliteConnection connection, string id)
    {
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT t.at, c.status, t.status_code, t.error FROM callback_tries t JOIN callbacks c ON c.id = t.callback_id
            WHERE t.job_id = $id ORDER BY t.rowid
            """;
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var tries = new List<CallbackRecord>();
        while (reader.Read())
            tries.Add(CallbackRows.ReadTry(reader, tries.Count + 1));
        return tries;
    }
}
