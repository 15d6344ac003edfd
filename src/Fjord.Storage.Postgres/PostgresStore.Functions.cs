using Fjord.Core.Functions;
using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore
{
    public Task<bool> PutFunctionAsync(FunctionSpec spec, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        // xmax = 0 only on a freshly inserted row: "created" without a second query.
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                INSERT INTO functions (name, spec, paused, updated_at) VALUES ($1, $2, false, fjord_now_ms())
                ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, updated_at = excluded.updated_at
                RETURNING xmax = 0
                """).Arg(spec.Name).Arg(StoredSpecs.Write(spec));
            return await command.ExecuteScalarAsync(cancellationToken) is true;
        });
    }

    public async Task<FunctionState?> GetFunctionAsync(string name, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT spec, paused, updated_at FROM functions WHERE name = $1").Arg(name);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new FunctionState(StoredSpecs.Read(name, reader.GetString(0)), reader.GetBoolean(1), UnixMs.To(reader.GetInt64(2)))
            : null;
    }

    public async Task<IReadOnlyList<FunctionState>> ListFunctionsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT name, spec, paused, updated_at FROM functions ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var functions = new List<FunctionState>();
        while (await reader.ReadAsync(cancellationToken))
            functions.Add(new FunctionState(StoredSpecs.Read(reader.GetString(0), reader.GetString(1)), reader.GetBoolean(2), UnixMs.To(reader.GetInt64(3))));
        return functions;
    }

    public Task<bool> DeleteFunctionAsync(string name, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM functions WHERE name = $1").Arg(name);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    });

    public Task<bool> SetPausedAsync(string name, bool paused, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var command = _dataSource.CreateCommand("UPDATE functions SET paused = $1, updated_at = fjord_now_ms() WHERE name = $2").Arg(paused).Arg(name);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    });

    public Task PutBundleAsync(string hash, byte[] zip, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(hash);
        ArgumentNullException.ThrowIfNull(zip);
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("INSERT INTO bundles (hash, zip) VALUES ($1, $2) ON CONFLICT (hash) DO NOTHING").Arg(hash).Arg(zip);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    public async Task<byte[]?> GetBundleAsync(string hash, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT zip FROM bundles WHERE hash = $1").Arg(hash);
        return await command.ExecuteScalarAsync(cancellationToken) as byte[];
    }
}
