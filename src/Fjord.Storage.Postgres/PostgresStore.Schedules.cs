using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

/// <summary>
/// Schedule states, shared by every gateway of the cluster. Each write is one statement that only
/// moves a cursor up or compares-and-sets it, so gateways racing on one fire time agree without a lock.
/// </summary>
public sealed partial class PostgresStore : IScheduleStore
{
    public async Task<IReadOnlyList<ScheduleState>> ListScheduleStatesAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"SELECT {ScheduleRows.Columns} FROM schedules ORDER BY function, name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var states = new List<ScheduleState>();
        while (await reader.ReadAsync(cancellationToken))
            states.Add(ScheduleRows.Read(reader));
        return states;
    }

    public Task<ScheduleState> EnsureScheduleStateAsync(string function, string name, string signature, DateTimeOffset now, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await using (var upsert = _dataSource.CreateCommand("""
                INSERT INTO schedules (function, name, signature, cursor_at) VALUES ($1, $2, $3, $4)
                ON CONFLICT (function, name) DO UPDATE SET signature = excluded.signature, cursor_at = excluded.cursor_at
                    WHERE schedules.signature <> excluded.signature
                """).Arg(function).Arg(name).Arg(signature).Arg(UnixMs.From(now)))
                await upsert.ExecuteNonQueryAsync(cancellationToken);
            await using var select = _dataSource.CreateCommand($"SELECT {ScheduleRows.Columns} FROM schedules WHERE function = $1 AND name = $2").Arg(function).Arg(name);
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
                throw new InvalidOperationException($"the state of schedule {function}/{name} vanished while it was made (forgotten by a deploy)");
            return ScheduleRows.Read(reader);
        });

    public Task RecordScheduleFireAsync(string function, string name, DateTimeOffset fireAt, string jobId, CancellationToken cancellationToken) =>
        RecordRunAsync(function, name, fireAt, jobId, moveCursor: true, cancellationToken);

    public Task RecordScheduleTriggerAsync(string function, string name, DateTimeOffset at, string jobId, CancellationToken cancellationToken) =>
        RecordRunAsync(function, name, at, jobId, moveCursor: false, cancellationToken);

    private Task<int> RecordRunAsync(string function, string name, DateTimeOffset at, string jobId, bool moveCursor, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                UPDATE schedules SET
                    cursor_at = CASE WHEN $1 AND cursor_at < $2 THEN $2 ELSE cursor_at END,
                    last_job_id = CASE WHEN last_fire_at IS NULL OR last_fire_at <= $2 THEN $3 ELSE last_job_id END,
                    last_fire_at = CASE WHEN last_fire_at IS NULL OR last_fire_at <= $2 THEN $2 ELSE last_fire_at END
                WHERE function = $4 AND name = $5
                """).Arg(moveCursor).Arg(UnixMs.From(at)).Arg(jobId).Arg(function).Arg(name);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });

    public Task<bool> PassScheduleFireAsync(string function, string name, DateTimeOffset fireAt, bool skipped, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                UPDATE schedules SET cursor_at = $1, skipped = skipped + $2
                WHERE function = $3 AND name = $4 AND cursor_at < $1
                """).Arg(UnixMs.From(fireAt)).Arg(skipped ? 1L : 0L).Arg(function).Arg(name);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        });

    public Task<bool> SetSchedulePausedAsync(string function, string name, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                UPDATE schedules SET
                    cursor_at = CASE WHEN NOT $1 AND paused AND cursor_at < $2 THEN $2 ELSE cursor_at END,
                    paused = $1
                WHERE function = $3 AND name = $4
                """).Arg(paused).Arg(UnixMs.From(now)).Arg(function).Arg(name);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        });

    public Task ForgetSchedulesAsync(string function, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("DELETE FROM schedules WHERE function = $1 AND name <> ALL($2)")
                .Arg(function).Arg(keep.ToArray());
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }
}
