using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore : IJobRetention
{
    /// <summary>One chunk through the writer: a short write that shares its group with intake's.</summary>
    public Task<int> DeleteEndedAsync(EndedJobFilter filter, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (!EndedJobFilter.Allows(filter.Status))
            throw new ArgumentException($"only ended jobs are deleted, not {filter.Status.ToWire()} ones", nameof(filter));
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return _writer.Post(new DeleteEndedOp(filter, limit) { CancellationToken = cancellationToken });
    }

    /// <summary>A loose index scan of jobs_function (<see cref="RetentionChunks.JobFunctionsSql"/>).</summary>
    public async Task<IReadOnlyList<string>> ListJobFunctionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = RetentionChunks.JobFunctionsSql;
        var names = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            names.Add(reader.GetString(0));
        return names;
    }

    public async Task<bool> WasDeletedAsync(string id, CancellationToken cancellationToken)
    {
        if (RetentionChunks.CreatedMs(id) is not { } created)
            return false;
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT value FROM meta WHERE key = '{JobDeletion.MarkKey}'";
        return await command.ExecuteScalarAsync(cancellationToken) is long mark && created <= mark;
    }
}
