using System.Collections.Concurrent;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Auth;

/// <summary>
/// Looks keys up by the hash of their secret and remembers the answer briefly. The intake path
/// must not hit the database per request, so a known key is trusted for <see cref="PositiveTtl"/>
/// (a revoked key keeps working that long) and an unknown one is refused from memory for
/// <see cref="NegativeTtl"/> (so a client hammering with a wrong key cannot load the store).
/// </summary>
internal sealed class KeyCache(IKeyStore keys, TimeProvider time)
{
    public static readonly TimeSpan PositiveTtl = TimeSpan.FromSeconds(5);
    public static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(1);

    // Bounds memory when someone sprays random keys: the cache is simply dropped and rebuilt.
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>Looks the secret up by span, so a cache hit allocates nothing (not even the secret's string).</summary>
    public ValueTask<KeyGrant?> FindAsync(ReadOnlySpan<char> secret, CancellationToken cancellationToken)
    {
        var lookup = _entries.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(secret, out var entry) && time.GetTimestamp() < entry.ExpiresAt)
            return ValueTask.FromResult(entry.Grant);
        return LookUpAsync(secret.ToString(), cancellationToken);
    }

    public void Clear() => _entries.Clear();

    private async ValueTask<KeyGrant?> LookUpAsync(string secret, CancellationToken cancellationToken)
    {
        var key = await keys.FindBySecretHashAsync(ApiKeySecrets.Hash(secret), cancellationToken);
        var grant = key is null ? null : new KeyGrant(key);
        var ttl = grant is null ? NegativeTtl : PositiveTtl;
        if (_entries.Count >= MaxEntries)
            _entries.Clear();
        _entries[secret] = new Entry(grant, time.GetTimestamp() + (long)(ttl.TotalSeconds * time.TimestampFrequency));
        return grant;
    }

    private sealed record Entry(KeyGrant? Grant, long ExpiresAt);
}
