using System.Collections.Concurrent;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Storage.Postgres;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// The job queue of a many-node Fjord: PostgreSQL holds every job (the truth, via
/// <see cref="PostgresJobLedger"/>), RabbitMQ carries one wake-up message per waiting job to
/// the workers subscribed to the function's quorum queue.
///
/// How a 202 relates to the row and the message (the outbox; no dual-write gap):
///  1. The broker must be connected, or intake answers 503 before writing anything.
///  2. The job row and its outbox row commit in one PostgreSQL statement.
///  3. Intake publishes the message itself (persistent, mandatory, confirmed) and only then
///     answers 202; the confirmed rows are deleted from the outbox.
///  4. If the confirm does not come, the job is canceled (so the 503 means "will not run") —
///     and if even that cannot be written, the outbox row survives and a relay publishes it
///     later. Either way no job that got a 202 lacks a message, and no row is orphaned.
/// </summary>
public sealed partial class RabbitMqQueue : IJobQueue, IReadinessSource, IAsyncDisposable
{
    private static readonly TimeSpan PauseCheck = TimeSpan.FromMilliseconds(500);

    private readonly PostgresJobLedger _ledger;
    private readonly BrokerConnection _broker;
    private readonly OutboxRelay _relay;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, FunctionConsumer> _consumers = new(StringComparer.Ordinal);
    private int _disposed;

    private RabbitMqQueue(RabbitMqQueueOptions options, PostgresJobLedger ledger, ILogger logger)
    {
        _ledger = ledger;
        _logger = logger;
        _broker = new BrokerConnection(options, logger);
        _relay = new OutboxRelay(ledger, _broker, options, logger);
    }

    /// <summary>
    /// Connects (or keeps trying in the background when the broker is down: readiness says so)
    /// and starts this node's outbox relay and lease reaper.
    /// </summary>
    public static async Task<RabbitMqQueue> StartAsync(RabbitMqQueueOptions options, PostgresStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(store);
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RabbitMqQueue>();
        var queue = new RabbitMqQueue(options, store.Ledger, logger);
        queue._relay.OnRound = queue.CloseIdleConsumersAsync;
        await queue._broker.StartAsync(cancellationToken);
        queue._relay.Start();
        return queue;
    }

    public string Name => "broker";

    /// <summary>Ready while the AMQP connection is open; intake is refused (503) otherwise.</summary>
    public Task<Readiness> CheckAsync(CancellationToken cancellationToken) => Task.FromResult(_broker.IsOpen
        ? new Readiness(true, "rabbitmq")
        : new Readiness(false, $"rabbitmq is not connected: {_broker.LastError ?? "connecting"}"));

    public async Task<IReadOnlyList<EnqueuedJob>> EnqueueAsync(IReadOnlyList<NewJob> jobs, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        if (jobs.Count == 0)
            return [];
        // 1. Broker down → 503 before anything is written: a 202 is never promised on a row
        //    whose message could not be sent now.
        if (!_broker.IsOpen)
            throw new StoreUnavailableException("the broker is not connected");

        // 2. Row + outbox row, one commit.
        var stored = await _ledger.EnqueueAsync(jobs, cancellationToken);
        if (stored.PublishNow.Count == 0)
            return stored.Results;

        // 3. Publish with confirms, all in flight at once. Not cancellable by the caller: the
        //    rows are committed, and an abandoned publish would only delay them to the relay.
        var confirmed = await Task.WhenAll(stored.PublishNow.Select(item => _broker.PublishAsync(item, CancellationToken.None)));
        var done = new List<string>(confirmed.Length);
        var failed = new List<string>();
        for (var i = 0; i < confirmed.Length; i++)
            (confirmed[i] ? done : failed).Add(stored.PublishNow[i].JobId);
        try
        {
            await _ledger.OutboxDoneAsync(stored.Claim, done, CancellationToken.None);
        }
        catch (StoreUnavailableException ex)
        {
            // The rows stay and are published again by a relay: a duplicate message, dropped by its claim.
            LogOutboxCleanupFailed(_logger, ex.Message);
        }
        if (failed.Count == 0)
            return stored.Results;

        // 4. Not confirmed: no 202. Cancel what has not started so the 503 is true.
        try
        {
            await _ledger.AbandonAsync(failed, CancellationToken.None);
        }
        catch (StoreUnavailableException ex)
        {
            LogAbandonFailed(_logger, failed.Count, ex.Message);
        }
        throw new StoreUnavailableException($"the broker did not confirm {failed.Count} of {confirmed.Length} message(s)");
    }

    /// <summary>
    /// Waits for a message of the function's queue that names a job due now, claims that job in
    /// PostgreSQL (fenced), and returns the lease. Stale messages (duplicates, canceled or
    /// finished jobs, redeliveries of jobs running elsewhere) are acked and skipped. While the
    /// function is paused this node unsubscribes, so paused jobs stay in the broker's queue.
    /// </summary>
    public async Task<IJobLease> FetchAsync(string function, string node, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentException.ThrowIfNullOrEmpty(node);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var consumer = _consumers.GetOrAdd(function, f => new FunctionConsumer(_broker, f, _logger));
        consumer.Enter(lease: false);
        try
        {
            return await FetchCoreAsync(consumer, function, node, cancellationToken);
        }
        finally
        {
            consumer.Leave(lease: false);
        }
    }

    private async Task<IJobLease> FetchCoreAsync(FunctionConsumer consumer, string function, string node, CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var settings = await _ledger.GetFunctionAsync(function, cancellationToken);
            if (settings?.Paused == true)
            {
                await consumer.PauseAsync();
                await Task.Delay(PauseCheck, cancellationToken);
                continue;
            }
            if (!_broker.IsOpen)
            {
                await Task.Delay(PauseCheck, cancellationToken);
                continue;
            }
            var prefetch = (ushort)Math.Clamp(settings?.Spec.Concurrency ?? 1, 1, ushort.MaxValue);
            await consumer.EnsureConsumingAsync(prefetch, cancellationToken);
            if (await consumer.ReadAsync(PauseCheck, cancellationToken) is not { } delivery)
                continue;

            ClaimResult claim;
            try
            {
                // Not the caller's token: a claim that commits must come back to us (and be
                // released below if the caller gave up meanwhile), never be lost in between.
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
                claim = await _ledger.ClaimAsync(delivery.JobId, node, settings?.Spec.MaxAge, timeout.Token);
            }
            catch
            {
                await consumer.RequeueAsync(delivery);
                throw;
            }
            if (claim.Status != ClaimStatus.Claimed)
            {
                await consumer.AckAsync(delivery);
                continue;
            }
            var lease = new RabbitLease(_ledger, consumer, delivery, claim.Job!, _relay.Nudge);
            if (cancellationToken.IsCancellationRequested)
            {
                await lease.DisposeAsync();
                cancellationToken.ThrowIfCancellationRequested();
            }
            return lease;
        }
    }

    /// <summary>Closes the subscriptions no pool on this node uses any more (see <see cref="FunctionConsumer.CloseIfIdleAsync"/>).</summary>
    internal async Task CloseIdleConsumersAsync()
    {
        foreach (var consumer in _consumers.Values)
            await consumer.CloseIfIdleAsync();
    }

    /// <summary>Test hook: wakes the relay now (it also runs every <see cref="RabbitMqQueueOptions.RelayInterval"/>).</summary>
    internal void NudgeRelay() => _relay.Nudge();

    internal bool BrokerOpen => _broker.IsOpen;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _relay.DisposeAsync();
        foreach (var consumer in _consumers.Values)
            await consumer.DisposeAsync();
        await _broker.DisposeAsync();
    }

    [LoggerMessage(EventId = 431, Level = LogLevel.Warning, Message = "Could not clear published outbox rows ({Reason}); a relay will publish them again and the duplicates are dropped")]
    private static partial void LogOutboxCleanupFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 432, Level = LogLevel.Error, Message = "Could not cancel {Count} unconfirmed job(s) ({Reason}); they stay in the outbox and may run although intake answered 503")]
    private static partial void LogAbandonFailed(ILogger logger, int count, string reason);
}
