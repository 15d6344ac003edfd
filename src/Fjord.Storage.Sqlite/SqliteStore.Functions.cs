using Fjord.Core.Functions;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    public Task<bool> PutFunctionAsync(FunctionSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return _writer.Post(new PutFunctionOp(spec) { CancellationToken = cancellationToken });
    }

    public async Task<FunctionState?> GetFunctionAsync(string name, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT spec, paused, updated_at FROM functions WHERE name = $name";
        command.Parameters.AddWithValue("$name", name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new FunctionState(StoredSpecs.Read(name, reader.GetString(0)), reader.GetInt64(1) != 0, UnixMs.To(reader.GetInt64(2)))
            : null;
    }

    public async Task<IReadOnlyList<FunctionState>> ListFunctionsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, spec, paused, updated_at FROM functions ORDER BY name";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var functions = new List<FunctionState>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var spec = StoredSpecs.Read(reader.GetString(0), reader.GetString(1));
            functions.Add(new FunctionState(spec, reader.GetInt64(2) != 0, UnixMs.To(reader.GetInt64(3))));
        }
        return functions;
    }

    public Task<bool> DeleteFunctionAsync(string name, CancellationToken cancellationToken) =>
        _writer.Post(new DeleteFunctionOp(name) { CancellationToken = cancellationToken });

    public Task<bool> SetPausedAsync(string name, bool paused, CancellationToken cancellationToken) =>
        _writer.Post(new SetPausedOp(name, paused) { CancellationToken = cancellationToken });

    public Task PutBundleAsync(string hash, byte[] zip, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        ArgumentNullException.ThrowIfNull(zip);
        return _writer.Post(new PutBundleOp(hash, zip) { CancellationToken = cancellationToken });
    }

    public async Task<byte[]?> GetBundleAsync(string hash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT zip FROM bundles WHERE hash = $hash";
        command.Parameters.AddWithValue("$hash", hash);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }
}
