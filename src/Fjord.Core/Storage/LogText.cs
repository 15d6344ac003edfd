namespace Fjord.Core.Storage;

/// <summary>
/// Job logs are capped per attempt, the same on every backend; the end of a log says why it
/// failed, so the tail is kept.
/// </summary>
public static class LogText
{
    public const int MaxChars = 64 * 1024;
    private const string Marker = "[log truncated: earlier output dropped]\n";

    public static string Cap(string? log)
    {
        if (string.IsNullOrEmpty(log))
            return "";
        // PostgreSQL text cannot hold NUL characters, and a function may print them: replaced
        // on every backend, so a log reads the same wherever it was stored.
        if (log.Contains('\0', StringComparison.Ordinal))
            log = log.Replace('\0', '\uFFFD');
        if (log.Length <= MaxChars)
            return log;
        var start = log.Length - MaxChars;
        // Never start on the low half of a surrogate pair: that would store an invalid character.
        if (char.IsLowSurrogate(log[start]))
            start++;
        return string.Concat(Marker, log.AsSpan(start));
    }
}
