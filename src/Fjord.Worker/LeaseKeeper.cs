using Fjord.Core.Queue;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker;

/// <summary>
/// Renews a lease on a timer while its attempt runs (Hangfire's sliding invisibility, BullMQ's
/// lock renewal). A short lease kept alive by heartbeats notices a dead worker in seconds
/// instead of one long visibility timeout that strands jobs for hours.
/// </summary>
/// <remarks>
/// A timer callback rather than a loop awaiting a periodic timer: most attempts end before the
/// first renewal, and stopping a timer that never fired is then a synchronous dispose, where
/// stopping a loop cost a cancellation, a thrown exception and a thread hop on every job.
/// </remarks>
internal sealed partial class LeaseKeeper : IAsyncDisposable
{
    private readonly IJobLease _lease;
    private readonly CancellationTokenSource _fenced;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly ITimer _timer;
    private readonly Lock _lock = new();
    private Task _renewal = Task.CompletedTask;
    private bool _stopped;

    public LeaseKeeper(IJobLease lease, TimeSpan interval, TimeProvider time, CancellationTokenSource fenced, ILogger logger)
    {
        _lease = lease;
        _fenced = fenced;
        _logger = logger;
        _timer = time.CreateTimer(_ => OnTick(), null, interval, interval);
    }

    private void OnTick()
    {
        lock (_lock)
        {
            // One renewal at a time: a slow store must not pile them up.
            if (_stopped || !_renewal.IsCompleted)
                return;
            _renewal = RenewAsync();
        }
    }

    private async Task RenewAsync()
    {
        bool renewed;
        try
        {
            renewed = await _lease.RenewAsync(_stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception ex)
        {
            // A failed renewal is not yet a lost lease: try again next tick; the lease is
            // several intervals long.
            LogRenewFailed(_logger, _lease.Job.Id, ex);
            return;
        }
        if (!renewed)
        {
            _timer.Dispose();
            await _fenced.CancelAsync();
        }
    }

    /// <summary>Stops renewing; waits for a renewal in flight (cancelling it) so none outlives the attempt.</summary>
    public async Task StopAsync()
    {
        Task renewal;
        lock (_lock)
        {
            if (_stopped)
                return;
            _stopped = true;
            renewal = _renewal;
        }
        _timer.Dispose();
        if (!renewal.IsCompleted)
        {
            await _stop.CancelAsync();
            await renewal;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _stop.Dispose();
    }

    [LoggerMessage(EventId = 110, Level = LogLevel.Warning, Message = "Renewing the lease of job {JobId} failed")]
    private static partial void LogRenewFailed(ILogger logger, string jobId, Exception exception);
}
