using Fjord.Core.Ledger;
using Microsoft.Extensions.Logging;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// Runs on every node that has a queue (gateways and workers): publishes due outbox rows —
/// retries and delays when their time comes, releases, reaped jobs, requeued dead letters, and
/// intake's publishes that failed — and takes back jobs whose lease ran out. Retries and delays
/// therefore never sit in a broker queue blocking a consumer: they wait as rows in PostgreSQL
/// and become a message only when due. Relays on many nodes share the rows (SKIP LOCKED).
/// </summary>
internal sealed partial class OutboxRelay(IJobLedger ledger, BrokerConnection broker, RabbitMqQueueOptions options, ILogger logger) : IAsyncDisposable
{
    private const int Batch = 500;
    private static readonly TimeSpan ClaimFor = TimeSpan.FromSeconds(30);

    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private Task _loop = Task.CompletedTask;

    public void Start() => _loop = Task.Run(RunAsync);

    /// <summary>Housekeeping the queue runs on the relay's beat (closing idle subscriptions).</summary>
    public Func<Task>? OnRound { get; set; }

    public void Nudge()
    {
        try
        {
            if (_nudge.CurrentCount == 0)
                _nudge.Release();
        }
        catch (SemaphoreFullException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private async Task RunAsync()
    {
        var lastReap = DateTime.MinValue;
        while (!_stop.IsCancellationRequested)
        {
            var full = false;
            try
            {
                if (DateTime.UtcNow - lastReap >= options.RelayInterval)
                {
                    lastReap = DateTime.UtcNow;
                    var reaped = await ledger.ReapExpiredAsync(_stop.Token);
                    if (reaped > 0)
                        LogReaped(logger, reaped);
                }
                if (broker.IsOpen)
                    full = await PublishDueAsync() >= Batch;
                if (OnRound is { } onRound)
                    await onRound();
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogRelayFailed(logger, ex.Message);
            }
            if (full)
                continue;
            try
            {
                await _nudge.WaitAsync(options.RelayInterval, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>One round: claim due rows, publish them with confirms in parallel, delete the confirmed ones.</summary>
    private async Task<int> PublishDueAsync()
    {
        var claim = OutboxClaims.New();
        var items = await ledger.TakeOutboxAsync(claim, Batch, ClaimFor, _stop.Token);
        if (items.Count == 0)
            return 0;
        var confirmed = await Task.WhenAll(items.Select(item => broker.PublishAsync(item, _stop.Token)));
        var done = new List<string>(items.Count);
        var failed = new List<string>();
        for (var i = 0; i < items.Count; i++)
            (confirmed[i] ? done : failed).Add(items[i].JobId);
        await ledger.OutboxDoneAsync(claim, done, _stop.Token);
        await ledger.OutboxFailedAsync(claim, failed, _stop.Token);
        return items.Count;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
        _nudge.Dispose();
    }

    [LoggerMessage(EventId = 421, Level = LogLevel.Warning, Message = "Took back {Count} job(s) whose lease ran out")]
    private static partial void LogReaped(ILogger logger, long count);

    [LoggerMessage(EventId = 422, Level = LogLevel.Warning, Message = "Outbox relay round failed: {Reason}")]
    private static partial void LogRelayFailed(ILogger logger, string reason);
}
