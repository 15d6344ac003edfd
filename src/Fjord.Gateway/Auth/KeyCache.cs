using System.Collections.Concurrent;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Auth;

/// <summary>
/// Looks keys up by the hash of their secret and remembers the answer briefly, so the intake
/// path does not hit the store per request.
/// <list type="bullet">
/// <item>A known key is served from memory; after <see cref="RefreshAfter"/> it is looked up again
/// in the background (the request does not wait), and after <see cref="PositiveTtl"/> it must be
/// looked up before use. So a key revoked on any gateway of a cluster is refused everywhere
/// within <see cref="PositiveTtl"/> (plus one store read).</item>
/// <item>Failed lookups live in a cache of their own, bounded by <see cref="MaxUnknown"/>: a client
/// spraying random secrets can only churn that one, never evict a real key.</item>
/// <item>Lookups are single-flight per secret, and at most <see cref="MaxConcurrentLookups"/>
/// run at once, so a spray queues behind itself instead of hammering the store.</item>
/// </list>
/// </summary>
internal sealed class KeyCache(IKeyStore keys, KeyStates states, TimeProvider time)
{
    public static readonly TimeSpan PositiveTtl = TimeSpan.FromSeconds(4);
    public static readonly TimeSpan RefreshAfter = TimeSpan.FromSeconds(2);
    public static readonly TimeSpan NegativeTtl = TimeSpan.FromSeconds(1);

    public const int MaxKnown = 10_000;
    public const int MaxUnknown = 4_096;
    public const int MaxConcurrentLookups = 4;

    private readonly ConcurrentDictionary<string, Entry> _known = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _unknown = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<KeyGrant?>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _lookups = new(MaxConcurrentLookups);

    /// <summary>For tests: how many lookups reached the store.</summary>
    internal long StoreLookups;

    internal int KnownCount => _known.Count;

    /// <summary>Looks the secret up by span, so a cache hit allocates nothing (not even the secret's string).</summary>
    public ValueTask<KeyGrant?> FindAsync(ReadOnlySpan<char> secret, CancellationToken cancellationToken)
    {
        var now = time.GetTimestamp();
        if (_known.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(secret, out var entry) && now < entry.ExpiresAt)
        {
            if (now >= entry.FreshUntil && entry.StartRefresh())
                _ = RefreshAsync(secret.ToString());
            return ValueTask.FromResult<KeyGrant?>(entry.Grant);
        }
        if (_unknown.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(secret, out var until) && now < until)
            return ValueTask.FromResult<KeyGrant?>(null);
        return new ValueTask<KeyGrant?>(LookUpAsync(secret.ToString()).WaitAsync(cancellationToken));
    }

    /// <summary>Drops every cached grant of key <paramref name="id"/> at once (it was revoked or rotated here).</summary>
    public void Forget(string id)
    {
        foreach (var (secret, entry) in _known)
        {
            if (entry.Grant.Key.Id == id)
                _known.TryRemove(secret, out _);
        }
        states.Remove(id);
    }

    public void Clear()
    {
        _known.Clear();
        _unknown.Clear();
    }

    private Task<KeyGrant?> LookUpAsync(string secret)
    {
        if (_pending.TryGetValue(secret, out var running))
            return running;
        var mine = new TaskCompletionSource<KeyGrant?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(secret, mine.Task))
            return _pending.TryGetValue(secret, out running) ? running : LookUpAsync(secret);
        _ = CompleteLookupAsync(secret, mine);
        return mine.Task;
    }

    private async Task CompleteLookupAsync(string secret, TaskCompletionSource<KeyGrant?> result)
    {
        try
        {
            result.SetResult(await ReadAndCacheAsync(secret));
        }
        catch (Exception e)
        {
            result.SetException(e);
        }
        finally
        {
            _pending.TryRemove(secret, out _);
        }
    }

    private async Task RefreshAsync(string secret)
    {
        try
        {
            await ReadAndCacheAsync(secret);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The store did not answer: the entry keeps serving until its hard expiry, then a
            // request's own lookup reports the failure.
            if (_known.TryGetValue(secret, out var entry))
                entry.EndRefresh();
        }
    }

    private async Task<KeyGrant?> ReadAndCacheAsync(string secret)
    {
        ApiKey? key;
        await _lookups.WaitAsync();
        try
        {
            Interlocked.Increment(ref StoreLookups);
            key = await keys.FindBySecretHashAsync(ApiKeySecrets.Hash(secret), CancellationToken.None);
        }
        finally
        {
            _lookups.Release();
        }

        var now = time.GetTimestamp();
        if (key is null)
        {
            _known.TryRemove(secret, out _);
            if (_unknown.Count >= MaxUnknown)
                _unknown.Clear();
            _unknown[secret] = now + Ticks(NegativeTtl);
            return null;
        }

        var grant = new KeyGrant(key, states.For(key));
        if (_known.Count >= MaxKnown && !_known.ContainsKey(secret))
            PruneExpired(now);
        if (_known.Count < MaxKnown || _known.ContainsKey(secret))
            _known[secret] = new Entry(grant, now + Ticks(RefreshAfter), now + Ticks(PositiveTtl));
        return grant;
    }

    private void PruneExpired(long now)
    {
        foreach (var (secret, entry) in _known)
        {
            if (now >= entry.ExpiresAt)
                _known.TryRemove(secret, out _);
        }
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private sealed class Entry(KeyGrant grant, long freshUntil, long expiresAt)
    {
        private int _refreshing;

        public KeyGrant Grant { get; } = grant;
        public long FreshUntil { get; } = freshUntil;
        public long ExpiresAt { get; } = expiresAt;

        public bool StartRefresh() => Interlocked.Exchange(ref _refreshing, 1) == 0;

        public void EndRefresh() => Volatile.Write(ref _refreshing, 0);
    }
}
