namespace Fjord.Gateway.Problems;

internal static class RetryAfter
{
    /// <summary>Whole seconds for the Retry-After header: rounded up, at least 1 (0 would invite an immediate stampede).</summary>
    public static int Seconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, 3600);
}
