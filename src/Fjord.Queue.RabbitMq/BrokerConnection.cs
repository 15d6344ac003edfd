using System.Collections.Concurrent;
using System.Text;
using Fjord.Core.Ledger;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// The node's one AMQP connection, its publishing channel, and reconnection. The client's own
/// automatic recovery is off on purpose: publishes must never be buffered across a reconnect
/// (a 202 waits for a confirm from the broker as it is now), and consumers re-subscribe
/// themselves, so a delivery always belongs to a channel we know is current.
/// </summary>
internal sealed partial class BrokerConnection : IAsyncDisposable
{
    private readonly RabbitMqQueueOptions _options;
    private readonly ConnectionFactory _factory;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _connectGate = new(1, 1);
    private readonly SemaphoreSlim _publishGate = new(1, 1);
    private readonly ConcurrentDictionary<string, Task> _declared = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private IConnection? _connection;
    private IChannel? _publisher;
    private Task _watch = Task.CompletedTask;
    private int _generation;

    public BrokerConnection(RabbitMqQueueOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _factory = BrokerFactories.Create(options.BrokerUri, options.Heartbeat, options.CallTimeout, options.ClientName);
    }

    /// <summary>Open and usable now. Intake checks this before writing anything: broker down → 503, never 202.</summary>
    public bool IsOpen => Volatile.Read(ref _connection) is { IsOpen: true };

    /// <summary>Bumped on every new connection; consumers re-subscribe when it moves.</summary>
    public int Generation => Volatile.Read(ref _generation);

    public string? LastError { get; private set; }

    /// <summary>Tries to connect once now, then keeps a watcher that reconnects whenever the link drops.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await GetConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or IOException or TimeoutException or OperationCanceledException)
        {
            LogConnectFailed(_logger, ex.Message);
        }
        _watch = Task.Run(WatchAsync);
    }

    private async Task WatchAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(1), _stop.Token);
                if (!IsOpen)
                    await GetConnectionAsync(_stop.Token);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LastError = ex.Message;
            }
        }
    }

    public async Task<IConnection> GetConnectionAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _connection) is { IsOpen: true } open)
            return open;
        await _connectGate.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } again)
                return again;
            if (_connection is { } dead)
            {
                _connection = null;
                _publisher = null;
                _declared.Clear();
                _ = dead.DisposeAsync().AsTask().ContinueWith(_ => { }, TaskScheduler.Default);
            }
            using var timeout = Timeout(cancellationToken);
            var connection = await _factory.CreateConnectionAsync(timeout.Token);
            connection.ConnectionShutdownAsync += (_, e) =>
            {
                LastError = e.ReplyText;
                LogConnectionLost(_logger, e.ReplyText);
                return Task.CompletedTask;
            };
            Volatile.Write(ref _connection, connection);
            Interlocked.Increment(ref _generation);
            LastError = null;
            LogConnected(_logger, _factory.Endpoint.ToString());
            return connection;
        }
        catch (Exception ex)
        {
            LastError = ex.Message;
            throw;
        }
        finally
        {
            _connectGate.Release();
        }
    }

    /// <summary>A fresh channel with a bounded window of publisher confirms: each publish awaits its own confirm.</summary>
    private async Task<IChannel> GetPublisherAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _publisher) is { IsOpen: true } channel)
            return channel;
        await _publishGate.WaitAsync(cancellationToken);
        try
        {
            if (_publisher is { IsOpen: true } again)
                return again;
            var connection = await GetConnectionAsync(cancellationToken);
            using var timeout = Timeout(cancellationToken);
            var options = new CreateChannelOptions(
                publisherConfirmationsEnabled: true,
                publisherConfirmationTrackingEnabled: true,
                outstandingPublisherConfirmationsRateLimiter: new ThrottlingRateLimiter(_options.MaxPublishesInFlight));
            var created = await connection.CreateChannelAsync(options, timeout.Token);
            Volatile.Write(ref _publisher, created);
            return created;
        }
        finally
        {
            _publishGate.Release();
        }
    }

    /// <summary>Declares the function's queue once per connection, on a throwaway channel (a refused declare closes its channel).</summary>
    public Task EnsureQueueAsync(string function, CancellationToken cancellationToken)
    {
        var task = _declared.GetOrAdd(function, f => DeclareAsync(f, cancellationToken));
        if (task.IsFaulted || task.IsCanceled)
            _declared.TryRemove(new KeyValuePair<string, Task>(function, task));
        return task;
    }

    private async Task DeclareAsync(string function, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await GetConnectionAsync(cancellationToken);
            using var timeout = Timeout(cancellationToken);
            await using var channel = await connection.CreateChannelAsync(cancellationToken: timeout.Token);
            await channel.QueueDeclareAsync(QueueNames.For(function), durable: true, exclusive: false, autoDelete: false,
                arguments: QueueNames.Arguments, cancellationToken: timeout.Token);
            await channel.CloseAsync(timeout.Token);
        }
        catch
        {
            _declared.TryRemove(function, out _);
            throw;
        }
    }

    /// <summary>
    /// Publishes one wake-up per job: persistent, mandatory, to the function's queue, and waits for
    /// the broker's confirm (bounded in flight, timed out). True only when confirmed and routed.
    /// A return (no queue bound) re-declares the queue and tries once more.
    /// </summary>
    public async Task<bool> PublishAsync(OutboxItem item, CancellationToken cancellationToken)
    {
        for (var round = 0; round < 2; round++)
        {
            try
            {
                await EnsureQueueAsync(item.Function, cancellationToken);
                var channel = await GetPublisherAsync(cancellationToken);
                var properties = new BasicProperties
                {
                    Persistent = true,
                    MessageId = item.JobId,
                    ContentType = "text/plain",
                    Type = item.Function,
                };
                using var timeout = Timeout(cancellationToken);
                await channel.BasicPublishAsync(string.Empty, QueueNames.For(item.Function), mandatory: true, properties,
                    Encoding.ASCII.GetBytes(item.JobId), timeout.Token);
                return true;
            }
            catch (PublishException ex) when (ex.IsReturn && round == 0)
            {
                _declared.TryRemove(item.Function, out _);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                LogPublishFailed(_logger, item.JobId, ex.Message);
                return false;
            }
        }
        return false;
    }

    public CancellationTokenSource Timeout(CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stop.Token);
        source.CancelAfter(_options.CallTimeout);
        return source;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _watch;
        if (_connection is { } connection)
        {
            try
            {
                using var timeout = new CancellationTokenSource(_options.CallTimeout);
                await connection.CloseAsync(timeout.Token);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Closing a dead link: the broker already dropped it.
            }
            await connection.DisposeAsync();
        }
        _stop.Dispose();
        _connectGate.Dispose();
        _publishGate.Dispose();
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Connected to the broker at {Endpoint}")]
    private static partial void LogConnected(ILogger logger, string endpoint);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Broker connection lost: {Reason}")]
    private static partial void LogConnectionLost(ILogger logger, string reason);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Broker unreachable: {Reason}; retrying every second")]
    private static partial void LogConnectFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 404, Level = LogLevel.Warning, Message = "Publishing job {JobId} was not confirmed: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string jobId, string reason);
}
