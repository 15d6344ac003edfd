using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Sweeping;

/// <summary>
/// Deletes ended jobs past their function's retention (or the node's default for a function no
/// longer deployed), every <see cref="GatewayOptions.RetentionSweepInterval"/>. Chunks of
/// <see cref="RetentionChunks.Size"/> with a pause between them, so a backlog of millions is
/// worked off without stalling intake. On PostgreSQL every gateway sweeps; SKIP LOCKED keeps
/// their chunks apart.
/// </summary>
internal sealed class RetentionSweeper(
    IJobRetention? store,
    IFunctionStore functions,
    GatewayOptions options,
    TimeProvider time,
    ILogger<RetentionSweeper> logger) : BackgroundService
{
    private static readonly JobStatus[] Ended = [JobStatus.Succeeded, JobStatus.Failed, JobStatus.Canceled];

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store is null || options.RetentionSweepInterval <= TimeSpan.Zero)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
#pragma warning disable CA1031 // A failed sweep (store down) is logged and tried again next round; it must not end the gateway.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                GatewayLog.RetentionFailed(logger, ex);
            }
            await Task.Delay(options.RetentionSweepInterval, time, stoppingToken).ConfigureAwait(false);
        }
    }

    /// <summary>One round over every function that has jobs; returns how many jobs it deleted.</summary>
    internal async Task<long> SweepAsync(CancellationToken cancellationToken)
    {
        if (store is null)
            return 0;
        long total = 0;
        var now = time.GetUtcNow();
        foreach (var function in await store.ListJobFunctionsAsync(cancellationToken))
        {
            var spec = await functions.GetFunctionAsync(function, cancellationToken);
            var retention = spec?.Spec.Retention?.Over(options.RetentionDefaults) ?? options.RetentionDefaults;
            foreach (var status in Ended)
            {
                if (For(retention, status) is not { } keep)
                    continue;
                var deleted = await RetentionChunks.DeleteChunksAsync(store, new EndedJobFilter(function, status, now - keep), options.RetentionChunkPause, cancellationToken);
                if (deleted > 0)
                    GatewayLog.RetentionSwept(logger, deleted, status.ToWire(), function);
                total += deleted;
            }
        }
        return total;
    }

    private static TimeSpan? For(Core.Functions.Retention retention, JobStatus status) => status switch
    {
        JobStatus.Succeeded => retention.Succeeded,
        JobStatus.Failed => retention.Failed,
        _ => retention.Canceled,
    };
}
