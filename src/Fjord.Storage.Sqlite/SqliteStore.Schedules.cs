using System.Text.Json;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore : IScheduleStore
{
    public async Task<IReadOnlyList<ScheduleState>> ListScheduleStatesAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {ScheduleRows.Columns} FROM schedules ORDER BY function, name";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var states = new List<ScheduleState>();
        while (await reader.ReadAsync(cancellationToken))
            states.Add(ScheduleRows.Read(reader));
        return states;
    }

    public Task<ScheduleState> EnsureScheduleStateAsync(string function, string name, string signature, DateTimeOffset now, CancellationToken cancellationToken) =>
        _writer.Post(new EnsureScheduleOp(function, name, signature, UnixMs.From(now)) { CancellationToken = cancellationToken });

    public Task RecordScheduleFireAsync(string function, string name, DateTimeOffset fireAt, string jobId, CancellationToken cancellationToken) =>
        _writer.Post(new RecordScheduleRunOp(function, name, UnixMs.From(fireAt), jobId, moveCursor: true) { CancellationToken = cancellationToken });

    public Task RecordScheduleTriggerAsync(string function, string name, DateTimeOffset at, string jobId, CancellationToken cancellationToken) =>
        _writer.Post(new RecordScheduleRunOp(function, name, UnixMs.From(at), jobId, moveCursor: false) { CancellationToken = cancellationToken });

    public Task<bool> PassScheduleFireAsync(string function, string name, DateTimeOffset fireAt, bool skipped, CancellationToken cancellationToken) =>
        _writer.Post(new PassScheduleFireOp(function, name, UnixMs.From(fireAt), skipped) { CancellationToken = cancellationToken });

    public Task<bool> SetSchedulePausedAsync(string function, string name, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        _writer.Post(new SetSchedulePausedOp(function, name, paused, UnixMs.From(now)) { CancellationToken = cancellationToken });

    public Task ForgetSchedulesAsync(string function, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        var json = JsonSerializer.Serialize(keep.ToArray(), StoreJson.Default.StringArray);
        return _writer.Post(new ForgetSchedulesOp(function, json) { CancellationToken = cancellationToken });
    }
}
