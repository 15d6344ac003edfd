namespace Fjord.Storage.Postgres;

/// <summary>Times are stored as Unix milliseconds (bigint): compact, and compared with the database clock in SQL.</summary>
internal static class UnixMs
{
    public static long From(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    public static DateTimeOffset To(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
}
