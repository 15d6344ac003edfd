namespace Fjord.Core.Storage;

/// <summary>
/// Secrets as the store keeps them: sealed (AES-GCM, see <see cref="Secrets.SecretVault"/>), never
/// plaintext. The store only holds bytes; a copy of it without the node key reveals nothing.
/// </summary>
public interface ISecretStore
{
    /// <summary>Creates or replaces a secret; its version goes up by one on every put.</summary>
    Task PutSecretAsync(string name, byte[] sealedValue, int size, CancellationToken cancellationToken);

    /// <summary>The sealed values of those of <paramref name="names"/> that exist.</summary>
    Task<IReadOnlyList<SealedSecret>> GetSecretsAsync(IReadOnlyList<string> names, CancellationToken cancellationToken);

    /// <summary>Names, sizes, dates and versions, ordered by name; never values.</summary>
    Task<IReadOnlyList<SecretInfo>> ListSecretsAsync(CancellationToken cancellationToken);

    Task<bool> DeleteSecretAsync(string name, CancellationToken cancellationToken);
}

/// <summary>What may be shown about a secret. <see cref="Size"/> is the plaintext's length in bytes.</summary>
public sealed record SecretInfo(string Name, int Size, long Version, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>A secret's sealed bytes as stored (nonce, tag, ciphertext).</summary>
public sealed record SealedSecret(string Name, byte[] Sealed);
