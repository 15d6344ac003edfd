using System.Globalization;

namespace Fjord.Gateway.Dashboard;

/// <summary>How the pages write numbers, sizes, durations and times (invariant culture, short units).</summary>
internal static class DashboardFormat
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static string Percent(double fraction) => (fraction * 100).ToString("0.0", Inv) + " %";

    public static string Bytes(long bytes)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB"];
        double value = Math.Max(0, bytes);
        var unit = 0;
        while (value >= 1024 && unit < units.Length - 1)
        {
            value /= 1024;
            unit++;
        }
        return value.ToString(unit == 0 ? "0" : "0.0", Inv) + " " + units[unit];
    }

    /// <summary>The two largest units: "3d 4h", "5m 12s", "850 ms".</summary>
    public static string Duration(TimeSpan span)
    {
        if (span < TimeSpan.Zero)
            span = TimeSpan.Zero;
        if (span.TotalSeconds < 1)
            return ((long)span.TotalMilliseconds).ToString(Inv) + " ms";
        if (span.TotalMinutes < 1)
            return span.TotalSeconds.ToString("0.#", Inv) + "s";
        if (span.TotalHours < 1)
            return $"{span.Minutes}m {span.Seconds}s";
        if (span.TotalDays < 1)
            return $"{span.Hours}h {span.Minutes}m";
        return $"{(int)span.TotalDays}d {span.Hours}h";
    }

    public static string Time(DateTimeOffset? at) => at is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", Inv) + "Z" : "—";

    public static string Number(double value) => value.ToString("0.##", Inv);
}
