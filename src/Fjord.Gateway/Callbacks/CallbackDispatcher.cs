using Fjord.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Callbacks;

/// <summary>
/// Delivers the callback outbox. The store queued each callback in the same write that ended its
/// job; this service claims due ones (with a hold, so a delivery lost in a crash comes due again:
/// at least once), POSTs them with its own HttpClient and timeout, and records every try with
/// the time of the next (exponential backoff with jitter) until one gets a 2xx or the tries run
/// out. It runs beside the workers, never in a worker slot: a slow or dead receiver delays only
/// its own callbacks.
/// </summary>
internal sealed class CallbackDispatcher(
    ICallbackOutbox? outbox,
    IJobStore jobs,
    CallbackTargets targets,
    GatewayOptions gatewayOptions,
    TimeProvider time,
    ILogger<CallbackDispatcher> logger) : BackgroundService
{
    private static readonly TimeSpan StoreRetry = TimeSpan.FromSeconds(2);

    private readonly CallbackOptions _options = gatewayOptions.Callbacks;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (outbox is null)
            return;
        using var http = CallbackSender.CreateClient(_options.Timeout, targets);
        var sender = new CallbackSender(http, jobs, _options.Timeout);
        var inFlight = new List<Task>();
        // A delivery may take its whole timeout; the hold covers it with room to record the try.
        var hold = _options.Timeout + TimeSpan.FromSeconds(30);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                inFlight.RemoveAll(static t => t.IsCompleted);
                var free = _options.Concurrency - inFlight.Count;
                IReadOnlyList<PendingCallback> due = [];
                if (free > 0)
                {
                    try
                    {
                        due = await outbox.ClaimDueCallbacksAsync(free, hold, stoppingToken);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        GatewayLog.CallbackStoreFailed(logger, e);
                        await Task.Delay(StoreRetry, time, stoppingToken);
                        continue;
                    }
                }
                foreach (var callback in due)
                    inFlight.Add(DeliverAsync(sender, callback, stoppingToken));
                if (free > 0 && due.Count == free)
                    continue; // more may be due: claim again at once
                var wake = Task.Delay(_options.PollInterval, time, stoppingToken);
                await Task.WhenAny([wake, .. inFlight]);
                if (wake.IsCanceled)
                    break;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        // Deliveries cut short by the stop are not recorded: their hold runs out and they are
        // tried again after the next start.
        await Task.WhenAll(inFlight);
    }

    private async Task DeliverAsync(CallbackSender sender, PendingCallback callback, CancellationToken stop)
    {
        await Task.Yield();
        CallbackDelivery delivery;
        string? detail;
        try
        {
            (delivery, detail) = await sender.SendAsync(callback, time, stop);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The store could not give the body: no try happened, the hold brings it back.
            GatewayLog.CallbackStoreFailed(logger, e);
            return;
        }
        var tries = callback.Tries + 1;
        DateTimeOffset? next = null;
        if (delivery.Delivered)
            GatewayLog.CallbackDelivered(logger, callback.JobId, tries, delivery.StatusCode!.Value);
        else
        {
            if (tries < _options.MaxTries)
                next = time.GetUtcNow() + _options.Backoff.DelayAfter(tries, Random.Shared.NextDouble());
            GatewayLog.CallbackFailed(logger, callback.JobId, tries, detail ?? delivery.Error ?? CallbackSender.NoAnswer, next?.ToString("o") ?? "none: given up");
        }
        try
        {
            await outbox!.RecordCallbackAsync(callback.Id, delivery, next, CancellationToken.None);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Unrecorded, the callback comes due again when its hold runs out: sent twice at worst.
            GatewayLog.CallbackStoreFailed(logger, e);
        }
    }
}
