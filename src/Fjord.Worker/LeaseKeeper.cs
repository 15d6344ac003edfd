using Fjord.Core.Queue;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker;

/// <summary>
/// Renews a lease on a timer while its attempt runs (Hangfire's sliding invisibility, BullMQ's
/// lock renewal). A short lease kept alive by heartbeats notices a dead worker in seconds
/// instead of one long visibility timeout that strands jobs for hours.
/// </summary>
internal sealed partial class LeaseKeeper : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public LeaseKeeper(IJobLease lease, TimeSpan interval, TimeProvider time, CancellationTokenSource fenced, ILogger logger)
    {
        _loop = RenewLoopAsync(lease, interval, time, fenced, logger, _stop.Token);
    }

    private static async Task RenewLoopAsync(IJobLease lease, TimeSpan interval, TimeProvider time, CancellationTokenSource fenced, ILogger logger, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                bool renewed;
                try
                {
                    renewed = await lease.RenewAsync(stop);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // A failed renewal is not yet a lost lease: try again next tick; the lease
                    // is several intervals long.
                    LogRenewFailed(logger, lease.Job.Id, ex);
                    continue;
                }
                if (!renewed)
                {
                    await fenced.CancelAsync();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Renewing the lease of job {JobId} failed")]
    private static partial void LogRenewFailed(ILogger logger, string jobId, Exception exception);
}
