using Fjord.Core.Functions;

namespace Fjord.Cli.Up;

/// <summary>
/// Operator knobs read from the environment, for the few settings that are about the node and not
/// about a function: how long a lease lives (FJORD_LEASE, default 30s; a running job renews it every
/// third of that) and how long a stopping node lets running jobs finish (FJORD_DRAIN_GRACE, default 10s).
/// </summary>
internal static class Tuning
{
    public static TimeSpan LeaseDuration => Read("FJORD_LEASE", TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1));

    public static TimeSpan DrainGrace => Read("FJORD_DRAIN_GRACE", TimeSpan.FromSeconds(10), TimeSpan.Zero);

    private static TimeSpan Read(string name, TimeSpan fallback, TimeSpan minimum)
    {
        var text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrEmpty(text))
            return fallback;
        if (!Quantity.TryParseDuration(text, out var value) || value < minimum)
            throw new CliException(ExitCodes.Usage, $"{name}='{text}' is not a duration of at least {Quantity.FormatDuration(minimum)}");
        return value;
    }
}
