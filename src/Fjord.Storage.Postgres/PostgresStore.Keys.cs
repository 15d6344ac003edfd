using Fjord.Core.Storage;
using Npgsql;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore
{
    /// <summary>True once any key was ever created (revoked ones included): only a brand-new store bootstraps an admin key.</summary>
    public async Task<bool> AnyKeysAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM api_keys)");
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public Task AddKeyAsync(ApiKey key, string secretHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(secretHash);
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand(
                "INSERT INTO api_keys (id, hash, namespace, scopes, created_at) VALUES ($1, $2, $3, $4, $5)")
                .Arg(key.Id).Arg(secretHash).Arg(key.Namespace).Arg(string.Join(',', key.Scopes)).Arg(UnixMs.From(key.CreatedAt));
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    public async Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT id, namespace, scopes, created_at FROM api_keys WHERE hash = $1 AND NOT revoked").Arg(secretHash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadKey(reader) : null;
    }

    /// <summary>The keys that still authenticate, oldest first.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            "SELECT id, namespace, scopes, created_at FROM api_keys WHERE NOT revoked ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(ReadKey(reader));
        return keys;
    }

    public Task<bool> RevokeKeyAsync(string id, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var command = _dataSource.CreateCommand("UPDATE api_keys SET revoked = true WHERE id = $1 AND NOT revoked").Arg(id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    });

    private static ApiKey ReadKey(NpgsqlDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries),
        UnixMs.To(reader.GetInt64(3)));
}
