using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

public sealed partial class SqliteStore
{
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
        command.CommandText = $"SELECT {ApiKeyRows.Columns} FROM api_keys WHERE revoked = 0 ORDER BY created_at, id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(ApiKeyRows.Read(reader));
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
        command.CommandText = $"SELECT {ApiKeyRows.Columns} FROM api_keys WHERE {column} = $value AND revoked = 0";
        command.Parameters.AddWithValue("$value", value);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ApiKeyRows.Read(reader) : null;
    }
}
