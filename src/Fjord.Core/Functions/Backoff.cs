namespace Fjord.Core.Functions;

/// <summary>Exponential backoff with full jitter between attempts, bounded by <see cref="Max"/>.</summary>
public sealed record Backoff(TimeSpan Initial, TimeSpan Max)
{
    public static Backoff Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));

    /// <summary>
    /// Delay before attempt <paramref name="failedAttempt"/> + 1. The ceiling doubles each attempt
    /// (initial, 2×initial, 4×initial … capped at max); the delay is drawn between half the ceiling
    /// and the ceiling, so retries of many jobs that failed together spread out instead of
    /// stampeding, yet never come sooner than half the promised wait.
    /// </summary>
    public TimeSpan DelayAfter(int failedAttempt, double random01)
    {
        if (failedAttempt < 1)
            failedAttempt = 1;
        var exponent = Math.Min(failedAttempt - 1, 40);
        var ceiling = Math.Min(Initial.TotalMilliseconds * Math.Pow(2, exponent), Max.TotalMilliseconds);
        var jittered = ceiling / 2 + ceiling / 2 * Math.Clamp(random01, 0, 1);
        return TimeSpan.FromMilliseconds(jittered);
    }
}
