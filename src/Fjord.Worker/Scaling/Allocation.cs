namespace Fjord.Worker.Scaling;

/// <summary>One pool's claim on the node: what it must keep, what it wants, what a process costs, how long its work has waited.</summary>
public sealed record PoolClaim(string Function, int Min, int Desired, long MemoryBytes, TimeSpan OldestAge)
{
    /// <summary>Processes the pool has now: it keeps them while it wants them (no tug of war between pools).</summary>
    public int Current { get; init; }
}

/// <summary>
/// The node's own limits (<c>--max-processes</c>, <c>--max-memory</c> over the functions'
/// <c>memory</c>) shared among its pools: every pool first gets its <c>min</c>, then keeps what it
/// already has and still wants (a process is not taken from one busy pool to start another:
/// that would only trade one cold start for another), then the processes left are handed out one
/// at a time to the pool whose waiting work is oldest relative to what it already got above its
/// min, so competing functions share the free capacity by queue age instead of the first one to
/// grow taking everything.
/// </summary>
public static class Allocation
{
    public static Dictionary<string, int> Share(IReadOnlyList<PoolClaim> claims, int? maxProcesses, long? maxMemoryBytes)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var grants = new Dictionary<string, int>(claims.Count, StringComparer.Ordinal);
        long processes = 0, memory = 0;
        bool Fits(PoolClaim c) =>
            (maxProcesses is not { } p || processes + 1 <= p) && (maxMemoryBytes is not { } m || memory + c.MemoryBytes <= m);

        // Mins first, oldest work first should even they not all fit (limits lowered under deployed functions).
        foreach (var c in claims.OrderByDescending(c => c.OldestAge))
        {
            var n = 0;
            while (n < c.Min && Fits(c))
            {
                n++;
                processes++;
                memory += c.MemoryBytes;
            }
            grants[c.Function] = n;
        }

        foreach (var c in claims)
        {
            while (grants[c.Function] < Math.Min(c.Desired, c.Current) && Fits(c))
            {
                grants[c.Function]++;
                processes++;
                memory += c.MemoryBytes;
            }
        }

        var wanting = claims.Where(c => c.Desired > grants[c.Function]).ToList();
        while (wanting.Count > 0)
        {
            PoolClaim? best = null;
            var bestScore = double.MinValue;
            foreach (var c in wanting)
            {
                var score = (c.OldestAge.TotalMilliseconds + 1) / (grants[c.Function] - c.Min + 1);
                if (score > bestScore)
                {
                    best = c;
                    bestScore = score;
                }
            }
            if (!Fits(best!))
            {
                wanting.Remove(best!);
                continue;
            }
            grants[best!.Function]++;
            processes++;
            memory += best.MemoryBytes;
            if (grants[best.Function] >= best.Desired)
                wanting.Remove(best);
        }
        return grants;
    }
}
