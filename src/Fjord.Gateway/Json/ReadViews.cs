namespace Fjord.Gateway.Json;

internal sealed class QueuesView
{
    public required IReadOnlyList<QueueView> Functions { get; init; }
}

internal sealed class QueueView
{
    public required string Name { get; init; }
    public long Ready { get; init; }
    public long Scheduled { get; init; }
    public long Running { get; init; }
    public long Succeeded { get; init; }
    public long Failed { get; init; }
    public int Workers { get; init; }

    /// <summary>Processes the function's pools want, over the live nodes (elastic pools: their scaling rule; fixed: concurrency).</summary>
    public int DesiredWorkers { get; init; }

    /// <summary>The last scaling decision of the function's pool, in words; null where no node runs it.</summary>
    public string? ScalingReason { get; init; }
    public bool Paused { get; init; }

    /// <summary>How long the oldest job that could run now has waited; 0 when none waits.</summary>
    public long OldestReadyAgeMs { get; init; }

    /// <summary>Running jobs by the node that holds them.</summary>
    public required IReadOnlyDictionary<string, long> RunningByNode { get; init; }
}

internal sealed class ReadyView
{
    public bool Ready { get; init; }

    /// <summary>Each source's answer; left out for callers without a <c>*</c> read key.</summary>
    public IReadOnlyList<CheckView>? Checks { get; init; }
}

internal sealed class CheckView
{
    public required string Name { get; init; }
    public bool Ready { get; init; }
    public required string Detail { get; init; }
    public bool Warning { get; init; }
}
