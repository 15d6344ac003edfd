namespace Fjord.Bench;

/// <summary>Latencies of one scenario, in Stopwatch ticks, and what they add up to.</summary>
internal sealed class LoadResult(string name, int count, TimeSpan elapsed, long[] latencyTicks, int errors)
{
    public string Name { get; } = name;
    public int Count { get; } = count;
    public TimeSpan Elapsed { get; } = elapsed;
    public int Errors { get; } = errors;
    public double PerSecond => Count / Elapsed.TotalSeconds;

    public double PercentileMs(double p)
    {
        if (latencyTicks.Length == 0)
            return double.NaN;
        var sorted = (long[])latencyTicks.Clone();
        Array.Sort(sorted);
        var index = (int)Math.Min(sorted.Length - 1, Math.Ceiling(p / 100 * sorted.Length) - 1);
        return sorted[Math.Max(index, 0)] * 1000.0 / System.Diagnostics.Stopwatch.Frequency;
    }
}
