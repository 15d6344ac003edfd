using System.Globalization;

namespace Fjord.Gateway.Dashboard;

/// <summary>How the job pages write times and durations: UTC, invariant, the same on the server and in the live rows.</summary>
internal static class JobText
{
    public static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset? at) => at is { } t ? Time(t) : "";

    public static string Duration(long ms) => ms switch
    {
        < 1000 => ms.ToString(CultureInfo.InvariantCulture) + " ms",
        < 60_000 => (ms / 1000.0).ToString("0.0#", CultureInfo.InvariantCulture) + " s",
        < 3_600_000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 60_000} min {ms / 1000 % 60} s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms / 3_600_000} h {ms / 60_000 % 60} min"),
    };

    public static string Bytes(long n) => n switch
    {
        < 1024 => n.ToString(CultureInfo.InvariantCulture) + " bytes",
        < 1024 * 1024 => (n / 1024.0).ToString("0.#", CultureInfo.InvariantCulture) + " KiB",
        _ => (n / 1024.0 / 1024).ToString("0.#", CultureInfo.InvariantCulture) + " MiB",
    };
}
