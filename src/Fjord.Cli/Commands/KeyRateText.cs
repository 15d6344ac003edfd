using System.Globalization;
using Fjord.Core.Storage;

namespace Fjord.Cli.Commands;

/// <summary>
/// Rate limits as typed on the command line: <c>50/s</c> (50 a second, bursts of 50) or
/// <c>50/s:100</c> (bursts of up to 100). Used by `keys create --rate` and the node's `--key-rate-limit`.
/// </summary>
internal static class KeyRateText
{
    public const string Help = "RATE/s[:BURST], e.g. 50/s or 50/s:100 (burst default: one second's worth)";

    public static bool TryParse(string? text, out KeyRateLimit limit)
    {
        limit = new KeyRateLimit(0, 0);
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var parts = text.Trim().Split(':');
        if (parts.Length > 2)
            return false;
        var rate = parts[0].EndsWith("/s", StringComparison.Ordinal) ? parts[0][..^2] : parts[0];
        if (!int.TryParse(rate, NumberStyles.None, CultureInfo.InvariantCulture, out var perSecond) || perSecond is < 1 or > 1_000_000)
            return false;
        var burst = perSecond;
        if (parts.Length == 2 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out burst) || burst is < 1 or > 1_000_000))
            return false;
        limit = new KeyRateLimit(perSecond, burst);
        return true;
    }

    /// <summary>The option's limit, or null when absent; an unparsable value is a usage error (exit 2).</summary>
    public static KeyRateLimit? Parse(string? text, string option) =>
        text is null ? null
        : TryParse(text, out var limit) ? limit
        : throw CliException.Usage($"{option} '{text}' is not a rate: {Help}");
}
