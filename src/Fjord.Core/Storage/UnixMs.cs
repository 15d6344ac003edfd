namespace Fjord.Core.Storage;

/// <summary>
/// Times are stored as Unix milliseconds (a 64-bit integer) on every backend: compact, ordered,
/// cheap to compare in SQL, and the same numbers whichever store wrote them.
/// </summary>
public static class UnixMs
{
    public static long From(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset To(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}
