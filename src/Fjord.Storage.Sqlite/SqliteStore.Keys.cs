using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
    private const string KeyColumns = "id, namespace, scopes, created_at, name, rate_per_second, rate_burst, expires_at, last_used_at";

    /// <summary>True once any key was ever created (revoked ones included): only a brand-new store bootstraps an admin key.</summary>
    public async Task<bool> AnyKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM api_keys)";
        return await command.ExecuteScalarAsync(cancellationToken) is long exists && exists != 0;
    }

    public Task AddKeyAsync(ApiKey key, string secretHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(secretHash);
        return _writer.Post(new AddKeyOp(key, secretHash) { CancellationToken = cancellationToken });
    }

    public Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken) =>
        ReadOneKeyAsync("hash", secretHash, cancellationToken);

    public Task<ApiKey?> GetKeyAsync(string id, CancellationToken cancellationToken) =>
        ReadOneKeyAsync("id", id, cancellationToken);

    /// <summary>The keys that still authenticate (expired ones included), oldest first.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {KeyColumns} FROM api_keys WHERE revoked = 0 ORDER BY created_at, id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(ReadKey(reader));
        return keys;
    }

    public Task<bool> RevokeKeyAsync(string id, CancellationToken cancellationToken) =>
        _writer.Post(new RevokeKeyOp(id) { CancellationToken = cancellationToken });

    public Task<bool> ReplaceKeyAsync(string oldId, ApiKey key, string secretHash, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentException.ThrowIfNullOrEmpty(secretHash);
        return _writer.Post(new ReplaceKeyOp(oldId, key, secretHash) { CancellationToken = cancellationToken });
    }

    public Task RecordKeyUseAsync(IReadOnlyList<KeyUse> uses, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(uses);
        return uses.Count == 0 ? Task.CompletedTask : _writer.Post(new KeyUseOp(uses) { CancellationToken = cancellationToken });
    }

    private async Task<ApiKey?> ReadOneKeyAsync(string column, string value, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {KeyColumns} FROM api_keys WHERE {column} = $value AND revoked = 0";
        command.Parameters.AddWithValue("$value", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadKey(reader) : null;
    }

    private static ApiKey ReadKey(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries),
        UnixMs.To(reader.GetInt64(3)))
    {
        Name = reader.IsDBNull(4) ? null : reader.GetString(4),
        RateLimit = reader.IsDBNull(5) ? null : new KeyRateLimit(reader.GetInt32(5), reader.IsDBNull(6) ? reader.GetInt32(5) : reader.GetInt32(6)),
        ExpiresAt = reader.IsDBNull(7) ? null : UnixMs.To(reader.GetInt64(7)),
        LastUsedAt = reader.IsDBNull(8) ? null : UnixMs.To(reader.GetInt64(8)),
    };
}
