using Fjord.Core.Storage;
using Npgsql;

namespace Fjord.Storage.Postgres;

public sealed partial class PostgresStore
{
    private const string InsertKey = """
        INSERT INTO api_keys (id, hash, namespace, scopes, created_at, name, rate_per_second, rate_burst, expires_at)
        """;

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
            await using var command = KeyArgs(_dataSource.CreateCommand(InsertKey + " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"), key, secretHash);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    public Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken) =>
        ReadOneKeyAsync("hash", secretHash, cancellationToken);

    public Task<ApiKey?> GetKeyAsync(string id, CancellationToken cancellationToken) =>
        ReadOneKeyAsync("id", id, cancellationToken);

    /// <summary>The keys that still authenticate (expired ones included), oldest first.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT {ApiKeyRows.Columns} FROM api_keys WHERE NOT revoked ORDER BY created_at, id");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(ApiKeyRows.Read(reader));
        return keys;
    }

    public Task<bool> RevokeKeyAsync(string id, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var command = _dataSource.CreateCommand("UPDATE api_keys SET revoked = true WHERE id = $1 AND NOT revoked").Arg(id);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    });

    /// <summary>One statement: the insert reads from the revoking update, so it happens only when the old key was live.</summary>
    public Task<bool> ReplaceKeyAsync(string oldId, ApiKey key, string secretHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(secretHash);
        return Guard(async () =>
        {
            await using var command = KeyArgs(_dataSource.CreateCommand(
                "WITH old AS (UPDATE api_keys SET revoked = true WHERE id = $10 AND NOT revoked RETURNING id) "
                + InsertKey + " SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 FROM old"), key, secretHash).Arg(oldId);
            return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
        });
    }

    public Task RecordKeyUseAsync(IReadOnlyList<KeyUse> uses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uses);
        if (uses.Count == 0)
            return Task.CompletedTask;
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                UPDATE api_keys k SET last_used_at = GREATEST(coalesce(k.last_used_at, 0), u.at)
                FROM unnest($1::text[], $2::bigint[]) AS u(id, at) WHERE k.id = u.id
                """).Arg(uses.Select(u => u.Id).ToArray()).Arg(uses.Select(u => UnixMs.From(u.At)).ToArray());
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    private async Task<ApiKey?> ReadOneKeyAsync(string column, string value, CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand(
            $"SELECT {ApiKeyRows.Columns} FROM api_keys WHERE {column} = $1 AND NOT revoked").Arg(value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ApiKeyRows.Read(reader) : null;
    }

    private static NpgsqlCommand KeyArgs(NpgsqlCommand command, ApiKey key, string secretHash) => command
        .Arg(key.Id).Arg(secretHash).Arg(key.Namespace).Arg(string.Join(',', key.Scopes)).Arg(UnixMs.From(key.CreatedAt))
        .Arg(key.Name).Arg(key.RateLimit?.PerSecond).Arg(key.RateLimit?.Burst).Arg(key.ExpiresAt is { } e ? UnixMs.From(e) : (long?)null);
}
