using System.Security.Cryptography;
using System.Text;
using Fjord.Core.Storage;

namespace Fjord.Core.Secrets;

/// <summary>
/// Secrets through the store, sealed with AES-256-GCM under the node key: a fresh 96-bit nonce per
/// put, and the secret's name as associated data, so a sealed value moved to another name (or a
/// store opened with another key) fails to open instead of handing over the wrong value.
/// Layout of a sealed value: version byte (1), nonce (12), tag (16), ciphertext.
/// </summary>
public sealed class SecretVault(ISecretStore store, SecretKey? key) : ISecretReader
{
    private const byte FormatVersion = 1;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;
    private const int Header = 1 + NonceBytes + TagBytes;

    public const string NoKeyProblem =
        "this node has no secrets key: start every node of a cluster with the same FJORD_SECRETS_KEY (base64 of 32 bytes)";

    public ISecretStore Store { get; } = store;

    public bool HasKey => key is not null;

    /// <summary>Seals and stores a value. The key is checked against a stored secret first, so a node with another key cannot mix keys in one store.</summary>
    /// <exception cref="SecretUnavailableException">No key, or a key that does not open the stored secrets.</exception>
    public async Task PutAsync(string name, byte[] value, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!SecretName.IsValid(name))
            throw new ArgumentException($"secret name '{name}' must be {SecretName.Rule}", nameof(name));
        await CheckKeyAsync(name, cancellationToken);
        await Store.PutSecretAsync(name, Seal(RequireKey(), name, value), value.Length, cancellationToken);
    }

    public Task<IReadOnlyList<SecretInfo>> ListAsync(CancellationToken cancellationToken) => Store.ListSecretsAsync(cancellationToken);

    public Task<bool> DeleteAsync(string name, CancellationToken cancellationToken) => Store.DeleteSecretAsync(name, cancellationToken);

    /// <summary>
    /// At a node's start: fails when the store holds secrets this node cannot open (no key, or a
    /// different one), so a misconfigured node says so at once instead of at its first job.
    /// </summary>
    /// <exception cref="SecretUnavailableException">Says what is wrong and how to fix it.</exception>
    public Task CheckKeyAsync(CancellationToken cancellationToken) => CheckKeyAsync(null, cancellationToken);

    private async Task CheckKeyAsync(string? preferred, CancellationToken cancellationToken)
    {
        var listed = await Store.ListSecretsAsync(cancellationToken);
        if (listed.Count == 0)
        {
            if (preferred is not null)
                RequireKey(); // a put needs a key even into an empty store
            return;
        }
        var probe = preferred is not null && listed.Any(s => s.Name == preferred) ? preferred : listed[0].Name;
        var sealedValues = await Store.GetSecretsAsync([probe], cancellationToken);
        if (sealedValues.Count == 0)
            return; // deleted meanwhile
        var k = RequireKey();
        if (TryOpen(k, sealedValues[0].Name, sealedValues[0].Sealed) is null)
        {
            throw new SecretUnavailableException(
                "this node's secrets key does not open the stored secrets: every node must share one FJORD_SECRETS_KEY (or the node's secrets.key)");
        }
    }

    public async Task<IReadOnlyList<SecretValue>> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
            return [];
        var k = RequireKey();
        var sealedValues = await Store.GetSecretsAsync(names, cancellationToken);
        var values = new List<SecretValue>(names.Count);
        foreach (var name in names)
        {
            var found = sealedValues.FirstOrDefault(s => s.Name == name)
                ?? throw new SecretUnavailableException($"secret '{name}' does not exist (fjord secrets set {name} --from-file FILE)");
            var plain = TryOpen(k, name, found.Sealed)
                ?? throw new SecretUnavailableException($"secret '{name}' cannot be decrypted with this node's key: every node must share one FJORD_SECRETS_KEY");
            values.Add(new SecretValue(name, plain));
        }
        return values;
    }

    private SecretKey RequireKey() => key ?? throw new SecretUnavailableException(NoKeyProblem);

    internal static byte[] Seal(SecretKey key, string name, byte[] plain)
    {
        var sealedValue = new byte[Header + plain.Length];
        sealedValue[0] = FormatVersion;
        var nonce = sealedValue.AsSpan(1, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key.Bytes, TagBytes);
        aes.Encrypt(nonce, plain, sealedValue.AsSpan(Header), sealedValue.AsSpan(1 + NonceBytes, TagBytes), Associated(name));
        return sealedValue;
    }

    /// <summary>The plaintext, or null when the key, the name or the bytes do not match.</summary>
    internal static byte[]? TryOpen(SecretKey key, string name, byte[] sealedValue)
    {
        if (sealedValue.Length < Header || sealedValue[0] != FormatVersion)
            return null;
        var plain = new byte[sealedValue.Length - Header];
        try
        {
            using var aes = new AesGcm(key.Bytes, TagBytes);
            aes.Decrypt(sealedValue.AsSpan(1, NonceBytes), sealedValue.AsSpan(Header), sealedValue.AsSpan(1 + NonceBytes, TagBytes), plain, Associated(name));
            return plain;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    private static byte[] Associated(string name) => Encoding.UTF8.GetBytes("fjord secret v1 " + name);
}
