using Fjord.Core.Functions;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Functions;

/// <summary>
/// What the operator lets deployed functions claim in total (<c>--max-memory</c>,
/// <c>--max-processes</c>): every function keeps its <c>min</c> processes (a fixed pool: its
/// <c>concurrency</c>) of up to <c>memory</c> each, so a deploy whose sum over all functions
/// exceeds a cap is refused (400 naming the cap) rather than letting a busy node swap or be
/// OOM-killed as a whole. What elastic pools grow beyond their min is shared at run time by the
/// worker within the same caps.
/// </summary>
public sealed record DeployCaps
{
    /// <summary>Sum of memory × concurrency over every function; null = no cap.</summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>Sum of concurrency (function processes at once) over every function; null = no cap.</summary>
    public int? MaxProcesses { get; init; }

    /// <summary>Why <paramref name="spec"/> does not fit beside the <paramref name="deployed"/> functions (itself excluded), or nothing.</summary>
    public IEnumerable<string> Check(FunctionSpec spec, IReadOnlyList<FunctionState> deployed)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(deployed);
        var others = deployed.Where(f => f.Spec.Name != spec.Name).Select(f => f.Spec).ToList();
        if (MaxMemoryBytes is { } maxMemory)
        {
            var total = others.Sum(f => f.MemoryBytes * f.MinConcurrency) + spec.MemoryBytes * spec.MinConcurrency;
            if (total > maxMemory)
            {
                yield return $"memory × concurrency of all functions would be {Quantity.FormatBytes(total)}, over this node's --max-memory of {Quantity.FormatBytes(maxMemory)}"
                    + $" (this function keeps {Quantity.FormatBytes(spec.MemoryBytes * spec.MinConcurrency)})";
            }
        }
        if (MaxProcesses is { } maxProcesses)
        {
            var total = others.Sum(f => f.MinConcurrency) + spec.MinConcurrency;
            if (total > maxProcesses)
                yield return $"concurrency of all functions would be {total}, over this node's --max-processes of {maxProcesses} (this function keeps {spec.MinConcurrency})";
        }
    }
}
