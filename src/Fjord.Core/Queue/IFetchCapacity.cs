namespace Fjord.Core.Queue;

/// <summary>
/// A queue that pushes work ahead of the fetch (RabbitMQ's prefetch) must not hold more of a
/// function's jobs than this node's pool can start: the pool tells it its size each time the
/// scaler resizes it, so an elastic pool below its max leaves the rest to other nodes.
/// </summary>
public interface IFetchCapacity
{
    /// <summary>The number of processes this node's pool of <paramref name="function"/> now has (0: none; stop taking its work).</summary>
    void SetCapacity(string function, int processes);
}
