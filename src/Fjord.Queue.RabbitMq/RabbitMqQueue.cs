using System.Collections.Concurrent;
using Fjord.Core.Jobs;
using Fjord.Core.Ledger;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// The job queue of a many-node Fjord: a database holds every job (the truth, via the
/// <see cref="IJobLedger"/> contract in Core; PostgreSQL implements it), RabbitMQ carries one wake-up message per waiting job to
/// the workers subscribed to the function's quorum queue.
///
/// How a 202 relates to the row and the message (the outbox; no dual-write gap):
///  1. The broker must be connected, or intake answers 503 before writing anything.
///  2. The job row and its outbox row commit in one PostgreSQL statement.
///  3. Intake publishes the message itself (persistent, mandatory, confirmed) and only then
///     answers 202; the confirmed rows are deleted from the outbox.
///  4. If any confirm of the batch does not come, every job of the batch is canceled (so the
///     503 means "none will run"; none can have started, since a job is not claimed while its
///     publisher still holds its outbox row), and if even that cannot be written, the outbox
///     rows survive and a relay publishes them later. Either way no job that got a 202 lacks a
///     message, and no row is orphaned.
/// </summary>
public sealed partial class RabbitMqQueue : IJobQueue, IReadinessSource, IFetchCapacity, IAsyncDisposable
{
    private static readonly TimeSpan PauseCheck = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan HeldRecheck = TimeSpan.FromMilliseconds(250);

    private readonly IJobLedger _ledger;
    private readonly BrokerConnection _broker;
    private readonly OutboxRelay _relay;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, FunctionConsumer> _consumers = new(StringComparer.Ordinal);
    private int _disposed;

    private RabbitMqQueue(RabbitMqQueueOptions options, IJobLedger ledger, ILogger logger)
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
    public static async Task<RabbitMqQueue> StartAsync(RabbitMqQueueOptions options, IJobLedger ledger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(ledger);
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<RabbitMqQueue>();
        var queue = new RabbitMqQueue(options, ledger, logger);
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
        //    Until the outbox rows are cleared, no job of the batch can be claimed (ClaimStatus.Held),
        //    even if its message was confirmed and delivered already.
        var confirmed = await Task.WhenAll(stored.PublishNow.Select(item => _broker.PublishAsync(item, CancellationToken.None)));
        var failed = confirmed.Count(ok => !ok);
        if (failed == 0)
        {
            try
            {
                await _ledger.OutboxDoneAsync(stored.Claim, stored.PublishNow.Select(p => p.JobId).ToList(), CancellationToken.None);
            }
            catch (StoreUnavailableException ex)
            {
                // The rows stay and are published again by a relay once their claim runs out: a
                // duplicate message, dropped by its claim. The jobs wait for that hold to end.
                LogOutboxCleanupFailed(_logger, ex.Message);
            }
            return stored.Results;
        }

        // 4. Not all confirmed: no 202, and all or none, so cancel the whole batch (none of it
        //    can have started: it is held until its rows are cleared, and they never are).
        var ours = stored.Results.Where(r => !r.Existing).Select(r => r.Id).ToList();
        try
        {
            await _ledger.AbandonAsync(ours, CancellationToken.None);
        }
        catch (StoreUnavailableException ex)
        {
            LogAbandonFailed(_logger, ours.Count, ex.Message);
        }
        throw new StoreUnavailableException($"the broker did not confirm {failed} of {confirmed.Length} message(s)");
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
            // The pool's current size when it told us (an elastic pool below max), else the spec's.
            var prefetch = (ushort)Math.Clamp(consumer.Capacity ?? settings?.Spec.Concurrency ?? 1, 1, ushort.MaxValue);
            await consumer.EnsureConsumingAsync(prefetch, cancellationToken);
            if (await consumer.ReadAsync(PauseCheck, cancellationToken) is not { } delivery)
                continue;

            ClaimResult claim;
            try
            {
                claim = await ClaimAsync(delivery, node, settings?.Spec.MaxAge, cancellationToken);
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

    /// <summary>
    /// Claims the job a message names. A held job (its publisher has not heard all of its batch's
    /// confirms yet) is claimed again after a short wait, keeping the message: usually the
    /// publisher clears it within milliseconds, or cancels it, and the claim then finds it stale.
    /// </summary>
    private async Task<ClaimResult> ClaimAsync(Delivery delivery, string node, TimeSpan? maxAge, CancellationToken cancellationToken)
    {
        var wait = TimeSpan.FromMilliseconds(2);
        while (true)
        {
            ClaimResult claim;
            // Not the caller's token: a claim that commits must come back to us (and be
            // released if the caller gave up meanwhile), never be lost in between.
            using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
                claim = await _ledger.ClaimAsync(delivery.JobId, node, maxAge, timeout.Token);
            if (claim.Status != ClaimStatus.Held)
                return claim;
            await Task.Delay(wait, cancellationToken);
            wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, HeldRecheck.Ticks));
        }
    }

    /// <summary>
    /// The pool's size, from its scaler: the next fetch re-subscribes with it as the prefetch
    /// (see <see cref="FunctionConsumer.EnsureConsumingAsync"/>). At zero nothing is fetched, and
    /// the idle subscription closes, handing what it held to other nodes.
    /// </summary>
    public void SetCapacity(string function, int processes)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        if (Volatile.Read(ref _disposed) != 0)
            return;
        _consumers.GetOrAdd(function, f => new FunctionConsumer(_broker, f, _logger)).Capacity = processes > 0 ? processes : null;
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
        if (_inspect is { } inspect)
            await inspect.DisposeAsync();
        _inspectGate.Dispose();
        await _broker.DisposeAsync();
    }

    [LoggerMessage(EventId = 431, Level = LogLevel.Warning, Message = "Could not clear published outbox rows ({Reason}); a relay will publish them again and the duplicates are dropped")]
    private static partial void LogOutboxCleanupFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 432, Level = LogLevel.Error, Message = "Could not cancel {Count} unconfirmed job(s) ({Reason}); they stay in the outbox and may run although intake answered 503")]
    private static partial void LogAbandonFailed(ILogger logger, int count, string reason);
}
