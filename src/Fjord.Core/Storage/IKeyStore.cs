namespace Fjord.Core.Storage;

/// <summary>API keys, stored only as SHA-256 hashes of the secret.</summary>
public interface IKeyStore
{
    Task<bool> AnyKeysAsync(CancellationToken cancellationToken);

    Task AddKeyAsync(ApiKey key, string secretHash, CancellationToken cancellationToken);

    Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken);

    Task<bool> RevokeKeyAsync(string id, CancellationToken cancellationToken);
}

/// <summary>A key's identity and rights. Scopes: invoke, deploy, read, admin. Namespace "*" is every function.</summary>
public sealed record ApiKey(string Id, string Namespace, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt);
