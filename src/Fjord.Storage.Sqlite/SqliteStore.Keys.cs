using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;
using Microsoft.Data.Sqlite;

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

    public async Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, namespace, scopes, created_at FROM api_keys WHERE hash = $hash AND revoked = 0";
        command.Parameters.AddWithValue("$hash", secretHash);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadKey(reader) : null;
    }

    /// <summary>The keys that still authenticate, oldest first.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT id, namespace, scopes, created_at FROM api_keys WHERE revoked = 0 ORDER BY created_at, id";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKey>();
        while (await reader.ReadAsync(cancellationToken))
            keys.Add(ReadKey(reader));
        return keys;
    }

    public Task<bool> RevokeKeyAsync(string id, CancellationToken cancellationToken) =>
        _writer.Post(new RevokeKeyOp(id) { CancellationToken = cancellationToken });

    private static ApiKey ReadKey(SqliteDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries),
        UnixMs.To(reader.GetInt64(3)));
}
