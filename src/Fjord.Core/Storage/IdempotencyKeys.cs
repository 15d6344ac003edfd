namespace Fjord.Core.Storage;

/// <summary>The idempotency window, the same on every backend (CONTRACT: the same key within 24 h returns the same job).</summary>
public static class IdempotencyKeys
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(24);
}
