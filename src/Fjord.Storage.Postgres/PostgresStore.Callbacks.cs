using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Npgsql;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore : ICallbackOutbox
{
    /// <summary>
    /// Takes due callbacks by pushing their next_at past the hold: a dispatcher that dies
    /// mid-delivery leaves them due again after it (at least once). Every gateway runs a
    /// dispatcher; SKIP LOCKED hands each due row to one of them, and a row another one claimed
    /// a moment ago is no longer due, so one callback is never sent twice at once.
    /// </summary>
    public Task<IReadOnlyList<PendingCallback>> ClaimDueCallbacksAsync(int max, TimeSpan hold, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        return Guard<IReadOnlyList<PendingCallback>>(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                UPDATE callbacks SET next_at = fjord_now_ms() + $2
                WHERE id IN (SELECT id FROM callbacks WHERE next_at <= fjord_now_ms() ORDER BY next_at LIMIT $1 FOR UPDATE SKIP LOCKED)
                RETURNING id, job_id, url, status, attempt, error_kind, error_message, error_exit_code, tries
                """).Arg(max).Arg((long)hold.TotalMilliseconds);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var due = new List<PendingCallback>();
            while (await reader.ReadAsync(cancellationToken))
                due.Add(CallbackRows.ReadPending(reader));
            return due;
        });
    }

    /// <summary>
    /// Records one try. The next try is kept on the database clock (the delay the dispatcher
    /// chose, from now), like every other time the nodes share. A callback that already ended
    /// (delivered or given up) stays ended: a late record from a dispatcher whose hold ran out
    /// adds its try to the history but does not bring the callback back.
    /// </summary>
    public Task RecordCallbackAsync(long callbackId, CallbackDelivery delivery, DateTimeOffset? nextTry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        long? delayMs = nextTry is { } at ? Math.Max(0, (long)(at - DateTimeOffset.UtcNow).TotalMilliseconds) : null;
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                WITH t AS (INSERT INTO callback_tries (callback_id, job_id, at, status_code, error)
                           SELECT id, job_id, $2, $3, $4 FROM callbacks WHERE id = $1)
                UPDATE callbacks SET tries = tries + 1,
                    next_at = CASE WHEN next_at IS NULL OR $5::bigint IS NULL THEN NULL ELSE fjord_now_ms() + $5 END
                WHERE id = $1
                """).Arg(callbackId).Arg(UnixMs.From(delivery.At)).Arg(delivery.StatusCode).Arg(delivery.Error).Arg(delayMs);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    /// <summary>Every delivery try of the job's callbacks, oldest first.</summary>
    private static async Task<List<CallbackRecord>> ReadCallbacksAsync(NpgsqlConnection connection, string id, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT t.at, c.status, t.status_code, t.error FROM callback_tries t JOIN callbacks c ON c.id = t.callback_id
            WHERE t.job_id = $1 ORDER BY t.seq
            """, connection).Arg(id);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tries = new List<CallbackRecord>();
        while (await reader.ReadAsync(cancellationToken))
            tries.Add(CallbackRows.ReadTry(reader, tries.Count + 1));
        return tries;
    }
}
