namespace Fjord.Storage.Postgres;

/// <summary>Job logs are capped per attempt; the end of a log says why it failed, so the tail is kept.</summary>
internal static class LogText
{
    public const int MaxChars = 64 * 1024;
    private const string Marker = "[log truncated: earlier output dropped]\n";

    public static string Cap(string? log)
    {
        if (string.IsNullOrEmpty(log))
            return "";
        // PostgreSQL text cannot hold NUL characters; a function may print them.
        if (log.Contains('\0', StringComparison.Ordinal))
            log = log.Replace('\0', '\uFFFD');
        if (log.Length <= MaxChars)
            return log;
        var start = log.Length - MaxChars;
        if (char.IsLowSurrogate(log[start]))
            start++;
        return string.Concat(Marker, log.AsSpan(start));
    }
}
