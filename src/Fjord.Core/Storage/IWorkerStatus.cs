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
public sealed record PoolStatus(int Workers, int Busy, bool Healthy, string? Problem);
