namespace Fjord.Core.Storage;

/// <summary>
/// The read side: queue depths and totals for /v1/queues, /metrics, the dashboard and `fjord top`.
/// The dispatcher never calls it (Sidekiq's api.rb rule), so a slow dashboard cannot slow delivery.
/// </summary>
public interface IJobMonitor
{
    Task<IReadOnlyList<QueueStats>> GetQueuesAsync(CancellationToken cancellationToken);
}

/// <summary>Per function: jobs ready now, waiting for a time, running; and running totals since the store was created.</summary>
public sealed record QueueStats(string Name, long Ready, long Scheduled, long Running, long Succeeded, long Failed, bool Paused);
