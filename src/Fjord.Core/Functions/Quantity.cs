using System.Globalization;

namespace Fjord.Core.Functions;

/// <summary>Parses and formats the human quantities of fjord.yml: durations (<c>30s</c>, <c>5m</c>) and sizes (<c>256Mi</c>).</summary>
public static class Quantity
{
    public static bool TryParseDuration(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var s = text.Trim();
        int split = 0;
        while (split < s.Length && (char.IsAsciiDigit(s[split]) || s[split] == '.'))
            split++;
        if (split == 0 || !double.TryParse(s.AsSpan(0, split), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            return false;
        double ms;
        switch (s[split..])
        {
            case "ms": ms = n; break;
            case "" or "s": ms = n * 1000; break;
            case "m": ms = n * 60_000; break;
            case "h": ms = n * 3_600_000; break;
            case "d": ms = n * 86_400_000; break;
            default: return false;
        }
        if (ms > TimeSpan.FromDays(3650).TotalMilliseconds)
            return false;
        value = TimeSpan.FromMilliseconds(ms);
        return true;
    }

    public static string FormatDuration(TimeSpan value)
    {
        var ms = (long)value.TotalMilliseconds;
        if (ms % 86_400_000 == 0 && ms > 0) return $"{ms / 86_400_000}d";
        if (ms % 3_600_000 == 0 && ms > 0) return $"{ms / 3_600_000}h";
        if (ms % 60_000 == 0 && ms > 0) return $"{ms / 60_000}m";
        if (ms % 1000 == 0) return $"{ms / 1000}s";
        return $"{ms}ms";
    }

    public static bool TryParseBytes(string? text, out long value)
    {
        value = 0;
        if (string.IsNullOrWhiteSpace(text))
            return false;
        var s = text.Trim();
        int split = 0;
        while (split < s.Length && char.IsAsciiDigit(s[split]))
            split++;
        if (split == 0 || !long.TryParse(s.AsSpan(0, split), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
            return false;
        long unit = s[split..] switch
        {
            "" => 1,
            "K" or "k" => 1000,
            "Ki" => 1024,
            "M" => 1000_000,
            "Mi" => 1024 * 1024,
            "G" => 1000_000_000,
            "Gi" => 1024L * 1024 * 1024,
            _ => -1,
        };
        if (unit < 0 || n > long.MaxValue / unit)
            return false;
        value = n * unit;
        return true;
    }

    public static string FormatBytes(long value)
    {
        const long Mi = 1024 * 1024;
        if (value > 0 && value % (1024 * Mi) == 0) return $"{value / (1024 * Mi)}Gi";
        if (value > 0 && value % Mi == 0) return $"{value / Mi}Mi";
        if (value > 0 && value % 1024 == 0) return $"{value / 1024}Ki";
        return value.ToString(CultureInfo.InvariantCulture);
    }
}
