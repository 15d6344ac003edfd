namespace Fjord.Storage.Sqlite;

/// <summary>Times are stored as Unix milliseconds (UTC): compact, ordered, and cheap to compare in SQL.</summary>
internal static class UnixMs
{
    public static long From(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset To(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    public static long Now(TimeProvider time) => time.GetUtcNow().ToUnixTimeMilliseconds();
}
