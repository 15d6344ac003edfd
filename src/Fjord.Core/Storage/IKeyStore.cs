using System.Data.Common;
namespace Fjord.Core.Storage;

/// <summary>API keys, stored only as SHA-256 hashes of the secret.</summary>
public interface IKeyStore
{
    Task<bool> AnyKeysAsync(CancellationToken cancellationToken);

    Task AddKeyAsync(ApiKey key, string secretHash, CancellationToken cancellationToken);

    /// <summary>The key whose secret hashes to <paramref name="secretHash"/>, unless revoked. Expired keys are returned: the gateway refuses them (and says why).</summary>
    Task<ApiKey?> FindBySecretHashAsync(string secretHash, CancellationToken cancellationToken);

    /// <summary>A key that is not revoked, by id.</summary>
    Task<ApiKey?> GetKeyAsync(string id, CancellationToken cancellationToken);

    Task<IReadOnlyList<ApiKey>> ListKeysAsync(CancellationToken cancellationToken);

    Task<bool> RevokeKeyAsync(string id, CancellationToken cancellationToken);

    /// <summary>
    /// Revokes <paramref name="oldId"/> and adds <paramref name="key"/> in one write (key rotation):
    /// false, and nothing added, when <paramref name="oldId"/> was not a live key.
    /// </summary>
    Task<bool> ReplaceKeyAsync(string oldId, ApiKey key, string secretHash, CancellationToken cancellationToken);

    /// <summary>Moves each key's <c>last_used_at</c> forward to the given time (never back). One write for many keys.</summary>
    Task RecordKeyUseAsync(IReadOnlyList<KeyUse> uses, CancellationToken cancellationToken);
}

/// <summary>
/// A key's identity and rights. Scopes: invoke, deploy, read, admin. Namespace "*" is every function.
/// <see cref="RateLimit"/> null: the node's default applies. <see cref="ExpiresAt"/> null: never expires.
/// </summary>
public sealed record ApiKey(string Id, string Namespace, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt)
{
    public string? Name { get; init; }

    public KeyRateLimit? RateLimit { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>When a gateway last saw the key, to within the gateways' flush interval (a minute).</summary>
    public DateTimeOffset? LastUsedAt { get; init; }
}

/// <summary>A token bucket: <see cref="PerSecond"/> requests a second on average, bursts of up to <see cref="Burst"/>.</summary>
public sealed record KeyRateLimit(int PerSecond, int Burst);

/// <summary>Reads api_keys rows (<see cref="Columns"/>, in that order) on every SQL backend.</summary>
public static class ApiKeyRows
{
    public const string Columns = "id, namespace, scopes, created_at, name, rate_per_second, rate_burst, expires_at, last_used_at";

    public static ApiKey Read(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new(reader.GetString(0), reader.GetString(1), reader.GetString(2).Split(',', StringSplitOptions.RemoveEmptyEntries), UnixMs.To(reader.GetInt64(3)))
        {
            Name = reader.IsDBNull(4) ? null : reader.GetString(4),
            RateLimit = reader.IsDBNull(5) ? null : new KeyRateLimit(reader.GetInt32(5), reader.IsDBNull(6) ? reader.GetInt32(5) : reader.GetInt32(6)),
            ExpiresAt = reader.IsDBNull(7) ? null : UnixMs.To(reader.GetInt64(7)),
            LastUsedAt = reader.IsDBNull(8) ? null : UnixMs.To(reader.GetInt64(8)),
        };
    }
}

/// <summary>A key seen in use at <see cref="At"/>.</summary>
public readonly record struct KeyUse(string Id, DateTimeOffset At);
