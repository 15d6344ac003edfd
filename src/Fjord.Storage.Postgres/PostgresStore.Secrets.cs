using Fjord.Core.Storage;

namespace Fjord.Storage.Postgres;

/// <summary>Sealed secrets (see Fjord.Core.Secrets.SecretVault): the database never sees a plaintext.</summary>
public sealed partial class PostgresStore : ISecretStore
{
    public Task PutSecretAsync(string name, byte[] sealedValue, int size, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(sealedValue);
        return Guard(async () =>
        {
            await using var command = _dataSource.CreateCommand("""
                INSERT INTO secrets (name, size, version, created_at, updated_at, sealed) VALUES ($1, $2, 1, fjord_now_ms(), fjord_now_ms(), $3)
                ON CONFLICT (name) DO UPDATE SET size = excluded.size, version = secrets.version + 1,
                    updated_at = excluded.updated_at, sealed = excluded.sealed
                """).Arg(name).Arg(size).Arg(sealedValue);
            return await command.ExecuteNonQueryAsync(cancellationToken);
        });
    }

    public async Task<IReadOnlyList<SealedSecret>> GetSecretsAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        var found = new List<SealedSecret>(names.Count);
        if (names.Count == 0)
            return found;
        await using var command = _dataSource.CreateCommand("SELECT name, sealed FROM secrets WHERE name = ANY($1)").Arg(names.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            found.Add(new SealedSecret(reader.GetString(0), (byte[])reader.GetValue(1)));
        return found;
    }

    public async Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand("SELECT name, size, version, created_at, updated_at FROM secrets ORDER BY name");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var secrets = new List<SecretInfo>();
        while (await reader.ReadAsync(cancellationToken))
            secrets.Add(new SecretInfo(reader.GetString(0), reader.GetInt32(1), reader.GetInt64(2), UnixMs.To(reader.GetInt64(3)), UnixMs.To(reader.GetInt64(4))));
        return secrets;
    }

    public Task<bool> DeleteSecretAsync(string name, CancellationToken cancellationToken) => Guard(async () =>
    {
        await using var command = _dataSource.CreateCommand("DELETE FROM secrets WHERE name = $1").Arg(name);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    });
}
