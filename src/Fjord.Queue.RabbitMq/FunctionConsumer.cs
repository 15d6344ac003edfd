using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// This node's subscription to one function's queue: one channel, prefetch = the pool's
/// current size (its concurrency, or an elastic pool's size now), manual acks. Deliveries wait in a local buffer until a free slot's fetch takes
/// one. Since a message stays unacked while its job runs (acked only after the outcome is in
/// PostgreSQL), unacked = running + buffered ≤ slots: the broker never sends a node more than it
/// can start, and the rest stays in the queue for other nodes (fair dispatch).
///
/// If the broker closes the channel (connection lost, or the node-wide consumer_timeout hit by a
/// job longer than it), its unacked messages are requeued and redelivered, perhaps elsewhere.
/// That is harmless: the job's row says running under a live lease, so the redelivery's claim
/// finds nothing to do and the message is dropped; the running owner still records the outcome,
/// and if the owner is dead its lease runs out and the reaper requeues the job through the outbox.
/// </summary>
internal sealed partial class FunctionConsumer(BrokerConnection broker, string function, ILogger logger) : IAsyncDisposable
{
    private readonly Channel<Delivery> _buffer = Channel.CreateUnbounded<Delivery>();
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel? _channel;
    private string? _consumerTag;
    private int _generation = -1;
    private int _fetchers;
    private int _leases;
    private long _lastActive = Environment.TickCount64;

    /// <summary>How long a subscription may sit with no fetch waiting and no job running before it is closed.</summary>
    public static readonly TimeSpan IdleAfter = TimeSpan.FromSeconds(3);

    public string Function => function;

    /// <summary>The pool's current size as its scaler last said (null: not told; the spec's concurrency is used).</summary>
    public int? Capacity
    {
        get => Volatile.Read(ref _capacity) is > 0 and var n ? n : null;
        set => Volatile.Write(ref _capacity, value ?? 0);
    }

    private int _capacity;
    private ushort _prefetch;

    /// <summary>
    /// Subscribes (again) when not subscribed on the current connection, or with another prefetch
    /// than <paramref name="prefetch"/> (the pool was resized). RabbitMQ applies a per-consumer
    /// basic.qos only to consumers created after it (an existing consumer keeps its limit, and
    /// quorum queues refuse the channel-wide kind), so a new prefetch means a new consumer on the
    /// same channel: the old one is cancelled, its messages already running stay unacked on the
    /// channel and are acked there as usual; on a shrink those still waiting in the buffer are
    /// handed back (nack, requeue) so the node holds no more than the new size plus what runs.
    /// </summary>
    public async Task EnsureConsumingAsync(ushort prefetch, CancellationToken cancellationToken)
    {
        if (Subscribed(prefetch))
            return;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Subscribed(prefetch))
                return;
            if (_channel is { IsOpen: true } live && _consumerTag is { } tag && _generation == broker.Generation)
            {
                await ResubscribeAsync(live, tag, prefetch, cancellationToken);
                return;
            }
            await DropChannelAsync();
            var connection = await broker.GetConnectionAsync(cancellationToken);
            var generation = broker.Generation;
            await broker.EnsureQueueAsync(function, cancellationToken);
            using var timeout = broker.Timeout(cancellationToken);
            var channel = await connection.CreateChannelAsync(cancellationToken: timeout.Token);
            _consumerTag = await ConsumeAsync(channel, prefetch, timeout.Token);
            _channel = channel;
            _generation = generation;
        }
        finally
        {
            _gate.Release();
        }
    }

    private bool Subscribed(ushort prefetch) =>
        _channel is { IsOpen: true } && _consumerTag is not null && _generation == broker.Generation && _prefetch == prefetch;

    private async Task<string> ConsumeAsync(IChannel channel, ushort prefetch, CancellationToken cancellationToken)
    {
        await channel.BasicQosAsync(0, prefetch, global: false, cancellationToken);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, e) =>
        {
            // The body is only valid during this callback: copy the job id out.
            var jobId = Encoding.ASCII.GetString(e.Body.Span);
            _buffer.Writer.TryWrite(new Delivery(channel, e.DeliveryTag, jobId));
            return Task.CompletedTask;
        };
        var tag = await channel.BasicConsumeAsync(QueueNames.For(function), autoAck: false, consumer, cancellationToken);
        _prefetch = prefetch;
        LogSubscribed(logger, function, prefetch);
        return tag;
    }

    private async Task ResubscribeAsync(IChannel channel, string tag, ushort prefetch, CancellationToken cancellationToken)
    {
        using var timeout = broker.Timeout(cancellationToken);
        await channel.BasicCancelAsync(tag, noWait: false, timeout.Token);
        _consumerTag = null;
        if (prefetch < _prefetch)
        {
            // Not taken by a fetch yet, so not claimed: back to the queue for any node. A fetch
            // racing this loop takes its delivery and runs it, acked on this channel as usual.
            while (_buffer.Reader.TryRead(out var waiting))
            {
                if (waiting.Channel.IsOpen)
                    await waiting.Channel.BasicNackAsync(waiting.Tag, multiple: false, requeue: true, timeout.Token);
            }
        }
        _consumerTag = await ConsumeAsync(channel, prefetch, timeout.Token);
    }

    /// <summary>The next delivery on a live channel; ones from a closed channel were requeued by the broker and are skipped.</summary>
    public async Task<Delivery?> ReadAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(wait);
        try
        {
            while (true)
            {
                var delivery = await _buffer.Reader.ReadAsync(timeout.Token);
                if (delivery.Channel.IsOpen)
                    return delivery;
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }

    /// <summary>A fetch starts waiting (or a lease is taken): the subscription is in use.</summary>
    public void Enter(bool lease)
    {
        Interlocked.Increment(ref lease ? ref _leases : ref _fetchers);
        Volatile.Write(ref _lastActive, Environment.TickCount64);
    }

    public void Leave(bool lease)
    {
        Interlocked.Decrement(ref lease ? ref _leases : ref _fetchers);
        Volatile.Write(ref _lastActive, Environment.TickCount64);
    }

    /// <summary>
    /// A node that stopped running the function (its pool was removed, or is restarting) must not
    /// keep messages it will never start: with no fetch waiting and no job running for a few
    /// seconds the channel closes and the broker hands its prefetched messages to other nodes.
    /// </summary>
    public async Task CloseIfIdleAsync()
    {
        if (_channel is null || Volatile.Read(ref _fetchers) > 0 || Volatile.Read(ref _leases) > 0)
            return;
        if (Environment.TickCount64 - Volatile.Read(ref _lastActive) < (long)IdleAfter.TotalMilliseconds)
            return;
        await PauseAsync();
    }

    /// <summary>Stops deliveries while the function is paused: the channel closes and the broker requeues what it had sent us.</summary>
    public async Task PauseAsync()
    {
        if (_channel is null)
            return;
        await _gate.WaitAsync();
        try
        {
            await DropChannelAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task AckAsync(Delivery delivery)
    {
        // Best effort: if the channel is gone the broker has already requeued the message, and
        // its redelivery is dropped by the fenced claim. Never let an ack failure undo a record.
        if (!delivery.Channel.IsOpen)
            return;
        try
        {
            using var timeout = broker.Timeout(CancellationToken.None);
            await delivery.Channel.BasicAckAsync(delivery.Tag, multiple: false, timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAckFailed(logger, delivery.JobId, ex.Message);
        }
    }

    public async Task RequeueAsync(Delivery delivery)
    {
        if (!delivery.Channel.IsOpen)
            return;
        try
        {
            using var timeout = broker.Timeout(CancellationToken.None);
            await delivery.Channel.BasicNackAsync(delivery.Tag, multiple: false, requeue: true, timeout.Token);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogAckFailed(logger, delivery.JobId, ex.Message);
        }
    }

    private async Task DropChannelAsync()
    {
        var channel = _channel;
        _channel = null;
        _consumerTag = null;
        if (channel is null)
            return;
        try
        {
            if (channel.IsOpen)
            {
                using var timeout = broker.Timeout(CancellationToken.None);
                await channel.CloseAsync(timeout.Token);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Already closed by the broker or the link: nothing more to hand back.
        }
        await channel.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await _gate.WaitAsync();
        try
        {
            await DropChannelAsync();
        }
        finally
        {
            _gate.Release();
        }
        _gate.Dispose();
    }

    [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "Consuming {Function} with prefetch {Prefetch}")]
    private static partial void LogSubscribed(ILogger logger, string function, int prefetch);

    [LoggerMessage(EventId = 412, Level = LogLevel.Debug, Message = "Ack of job {JobId} not delivered ({Reason}); the broker redelivers it and the claim drops it")]
    private static partial void LogAckFailed(ILogger logger, string jobId, string reason);
}
