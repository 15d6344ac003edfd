namespace Fjord.Storage.Sqlite;

/// <summary>Job logs are capped per attempt; the end of a log says why it failed, so the tail is kept.</summary>
internal static class LogText
{
    public const int MaxChars = 64 * 1024;
    private const string Marker = "[log truncated: earlier output dropped]\n";

    public static string Cap(string? log)
    {
        if (string.IsNullOrEmpty(log))
            return "";
        if (log.Length <= MaxChars)
            return log;
        var start = log.Length - MaxChars;
        // Never start on the low half of a surrogate pair: that would store an invalid character.
        if (char.IsLowSurrogate(log[start]))
            start++;
        return string.Concat(Marker, log.AsSpan(start));
    }
}
