namespace Fjord.Core.Storage;

/// <summary>The idempotency window, the same on every backend (CONTRACT: the same key within 24 h returns the same job).</summary>
public static class IdempotencyKeys
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);

    /// <summary>Whether a key stamped at <paramref name="stampMs"/> still holds at <paramref name="nowMs"/> (Unix ms).</summary>
    public static bool IsLive(long stampMs, long nowMs) => stampMs + (long)Lifetime.TotalMilliseconds > nowMs;

    /// <summary>
    /// Both stores keep one timestamp per key and treat it as live for <see cref="Lifetime"/>
    /// from then (the live check and the sweep alike). A key that must live longer is stored as
    /// if made this much later, so every reader of the one rule keeps it the whole time.
    /// </summary>
    public static long ExtraMilliseconds(TimeSpan? lifetime) =>
        lifetime is { } wanted && wanted > Lifetime ? (long)(wanted - Lifetime).TotalMilliseconds : 0;
}
