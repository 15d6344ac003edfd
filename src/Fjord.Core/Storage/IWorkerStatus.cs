namespace Fjord.Core.Storage;

/// <summary>Live view of this node's function pools, for /v1/functions, /v1/queues and /metrics.</summary>
public interface IWorkerStatus
{
    /// <summary>The node's name as it appears in job records.</summary>
    string Node { get; }

    /// <summary>Per function name: how many processes are up, and whether the pool is healthy.</summary>
    IReadOnlyDictionary<string, PoolStatus> Pools { get; }
}

/// <summary>A pool is unhealthy when its processes keep crashing; its jobs then wait instead of burning attempts.</summary>
public sealed record PoolStatus(int Workers, int Busy, bool Healthy, string? Problem)
{
    /// <summary>How many processes the pool's scaling rule wants now (before the node's limits cut it).</summary>
    public int Desired { get; init; }

    /// <summary>Why the pool has the size it wants: the last scaling decision, in words.</summary>
    public string? Reason { get; init; }
}
