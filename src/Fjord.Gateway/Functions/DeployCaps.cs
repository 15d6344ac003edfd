using Fjord.Core.Functions;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Functions;

/// <summary>
/// What the operator lets deployed functions claim in total (<c>--max-memory</c>,
/// <c>--max-processes</c>): every function may run <c>concurrency</c> processes of up to
/// <c>memory</c> each at once, so a deploy whose sum over all functions exceeds a cap is refused
/// (400 naming the cap) rather than letting a busy node swap or be OOM-killed as a whole.
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
            var total = others.Sum(f => f.MemoryBytes * f.Concurrency) + spec.MemoryBytes * spec.Concurrency;
            if (total > maxMemory)
            {
                yield return $"memory × concurrency of all functions would be {Quantity.FormatBytes(total)}, over this node's --max-memory of {Quantity.FormatBytes(maxMemory)}"
                    + $" (this function asks for {Quantity.FormatBytes(spec.MemoryBytes * spec.Concurrency)})";
            }
        }
        if (MaxProcesses is { } maxProcesses)
        {
            var total = others.Sum(f => f.Concurrency) + spec.Concurrency;
            if (total > maxProcesses)
                yield return $"concurrency of all functions would be {total}, over this node's --max-processes of {maxProcesses} (this function asks for {spec.Concurrency})";
        }
    }
}
