using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;

namespace Fjord.Storage.Sqlite;

/// <summary>Sealed secrets (see Fjord.Core.Secrets.SecretVault): this file never sees a plaintext.</summary>
public sealed partial class SqliteStore : ISecretStore
{
    public Task PutSecretAsync(string name, byte[] sealedValue, int size, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(sealedValue);
        return _writer.Post(new PutSecretOp(name, sealedValue, size) { CancellationToken = cancellationToken });
    }

    public async Task<IReadOnlyList<SealedSecret>> GetSecretsAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var found = new List<SealedSecret>(names.Count);
        if (names.Count == 0)
            return found;
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT sealed FROM secrets WHERE name = $name";
        var parameter = command.Parameters.Add("$name", Microsoft.Data.Sqlite.SqliteType.Text);
        foreach (var name in names)
        {
            parameter.Value = name;
            if (await command.ExecuteScalarAsync(cancellationToken) is byte[] sealedValue)
                found.Add(new SealedSecret(name, sealedValue));
        }
        return found;
    }

    public async Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await OpenReadAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, size, version, created_at, updated_at FROM secrets ORDER BY name";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var secrets = new List<SecretInfo>();
        while (await reader.ReadAsync(cancellationToken))
            secrets.Add(new SecretInfo(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), UnixMs.To(reader.GetInt64(3)), UnixMs.To(reader.GetInt64(4))));
        return secrets;
    }

    public Task<bool> DeleteSecretAsync(string name, CancellationToken cancellationToken) =>
        _writer.Post(new DeleteSecretOp(name) { CancellationToken = cancellationToken });
}
