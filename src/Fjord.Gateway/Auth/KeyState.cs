using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Auth;

/// <summary>
/// What a gateway keeps about one key across cache refreshes: its token bucket (so a refresh
/// does not refill it) and when it was last used (flushed to the store by <see cref="KeyUseFlusher"/>).
/// </summary>
internal sealed class KeyState(string id)
{
    // A replaced bucket may still be in a request's hands for a moment: it is disposed this much later.
    private static readonly TimeSpan RetireAfter = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private long _lastUsedTicks;
    private long _flushedTicks;

    public string Id { get; } = id;

    /// <summary>The bucket of this key on this gateway; null when the key has no limit and the node no default.</summary>
    public TokenBucketRateLimiter? Limiter { get; private set; }

    public KeyRateLimit? Limit { get; private set; }

    /// <summary>
    /// Called on every request: a read, and a write at most once a second, so many cores using
    /// one key do not fight over the cache line.
    /// </summary>
    public void MarkUsed(long utcTicks)
    {
        if (utcTicks - Volatile.Read(ref _lastUsedTicks) >= TimeSpan.TicksPerSecond)
            Volatile.Write(ref _lastUsedTicks, utcTicks);
    }

    /// <summary>The last use not yet written to the store, or null.</summary>
    public DateTimeOffset? TakeUnflushedUse()
    {
        var used = Volatile.Read(ref _lastUsedTicks);
        if (used <= Volatile.Read(ref _flushedTicks))
            return null;
        Volatile.Write(ref _flushedTicks, used);
        return new DateTimeOffset(used, TimeSpan.Zero);
    }

    /// <summary>Puts a use back after a failed write, so the next flush tries it again.</summary>
    public void ReturnUse(DateTimeOffset at)
    {
        if (Volatile.Read(ref _flushedTicks) == at.UtcTicks)
            Volatile.Write(ref _flushedTicks, 0);
    }

    /// <summary>Keeps the bucket when the limit is unchanged; a changed limit starts a new, full one.</summary>
    public void SetLimit(KeyRateLimit? limit)
    {
        lock (_gate)
        {
            if (limit == Limit)
                return;
            var old = Limiter;
            Limit = limit;
            Limiter = limit is null ? null : NewBucket(limit);
            Retire(old);
        }
    }

    /// <summary>Stops the bucket's timer, a little later: a request may be taking a token from it right now.</summary>
    public void Retire()
    {
        lock (_gate)
        {
            Retire(Limiter);
            Limiter = null;
            Limit = null;
        }
    }

    private static void Retire(TokenBucketRateLimiter? bucket)
    {
        if (bucket is not null)
            _ = Task.Delay(RetireAfter).ContinueWith(_ => bucket.Dispose(), TaskScheduler.Default);
    }

    /// <summary>
    /// ASP.NET Core's token bucket. Up to 10/s one token per 1/rate seconds; above that, refills
    /// every 100 ms when the rate divides evenly, else once a second (the burst covers the rest).
    /// </summary>
    internal static TokenBucketRateLimiter NewBucket(KeyRateLimit limit)
    {
        var (period, tokens) = limit.PerSecond switch
        {
            <= 10 => (TimeSpan.FromTicks(TimeSpan.TicksPerSecond / limit.PerSecond), 1),
            _ when limit.PerSecond % 10 == 0 => (TimeSpan.FromMilliseconds(100), limit.PerSecond / 10),
            _ => (TimeSpan.FromSeconds(1), limit.PerSecond),
        };
        return new TokenBucketRateLimiter(new TokenBucketRateLimiterOptions
        {
            TokenLimit = limit.Burst,
            TokensPerPeriod = Math.Min(tokens, limit.Burst),
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }
}

/// <summary>Every key this gateway has authenticated, by id: bounded by the keys that exist, never by what clients send.</summary>
internal sealed class KeyStates(GatewayOptions options)
{
    private readonly ConcurrentDictionary<string, KeyState> _states = new(StringComparer.Ordinal);

    /// <summary>The state of <paramref name="key"/> with its limit applied (its own, else the node's default).</summary>
    public KeyState For(ApiKey key)
    {
        var state = _states.GetOrAdd(key.Id, static id => new KeyState(id));
        state.SetLimit(key.RateLimit ?? options.DefaultKeyRateLimit);
        return state;
    }

    public ICollection<KeyState> All => _states.Values;

    public void Remove(string id)
    {
        if (_states.TryRemove(id, out var state))
            state.Retire();
    }
}
