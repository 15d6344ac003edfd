using System.Diagnostics;
using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Secrets;
using Fjord.Gateway.Endpoints;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Intake;
using Fjord.Queue.RabbitMq;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Fjord.Gateway.Triggers;

/// <summary>
/// One queue trigger of one function on this gateway: a connection of its own, one channel,
/// manual acks, prefetch bounded by the trigger's <c>prefetch</c>. Each delivery goes through
/// <see cref="JobIntake"/>; it is acked only once intake answers accepted (the job is durable),
/// so a crash anywhere before leaves it unacked and the broker delivers it again.
///
/// A message intake cannot take now (function paused, queue full, store unavailable) is nacked
/// with requeue and the consumer stops consuming: it cancels its subscription, lets deliveries
/// in hand finish, closes, and comes back when the reason has passed (paused: when resumed;
/// queue full: after its Retry-After; store: after a backoff). While it holds, messages wait in
/// the broker's queue. A message that can never be taken (larger than intake accepts) is
/// rejected without requeue, so a dead-letter exchange on the queue receives it.
///
/// Connections are not recovered by the client library: a lost connection (broker restart, a
/// connection closed by an operator, a network cut) ends the session, and the loop connects
/// again after a backoff (1 s doubling to 30 s, reset by every session that got to consume).
/// </summary>
internal sealed class AmqpTriggerConsumer(
    string function,
    AmqpTrigger trigger,
    JobIntake intake,
    FunctionCache functions,
    SecretVault? vault,
    AmqpTriggerMetrics metrics,
    AmqpTriggerOptions options,
    ILogger logger) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;
    private string? _holding;

    public AmqpTrigger Trigger => trigger;

    public void Start() => _run = Task.Run(() => RunAsync(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _run;
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
        _stop.Dispose();
        TriggerLog.Stopped(logger, function, trigger.Name);
    }

    private async Task RunAsync(CancellationToken ct)
    {
        var delay = options.RetryDelay;
        while (!ct.IsCancellationRequested)
        {
            TimeSpan wait;
            Redactor redact = default;
            try
            {
                if (await HeldAsync(ct) is { } reason)
                {
                    Hold(reason);
                    wait = options.PausedPoll;
                }
                else
                {
                    var url = await UrlAsync(ct);
                    redact = new Redactor(url);
                    var session = await ConsumeAsync(url, ct);
                    if (session.Consumed)
                        delay = options.RetryDelay;
                    if (session.HoldFor is { } hold)
                    {
                        Hold(session.HoldReason!);
                        wait = hold;
                    }
                    else
                    {
                        wait = delay;
                        delay = Next(delay);
                        if (!ct.IsCancellationRequested)
                            TriggerLog.Failed(logger, function, trigger.Name, "the broker connection ended (" + redact.Apply(session.EndReason) + ")", wait.TotalSeconds);
                    }
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                wait = delay;
                delay = Next(delay);
                TriggerLog.Failed(logger, function, trigger.Name, redact.Apply(Describe(e)), wait.TotalSeconds);
            }
            finally
            {
                metrics.Connected(function, trigger.Name, false);
            }
            await Task.Delay(wait, ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private TimeSpan Next(TimeSpan delay) => TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxRetryDelay.Ticks));

    private void Hold(string reason)
    {
        if (_holding == reason)
            return;
        _holding = reason;
        TriggerLog.Holding(logger, function, trigger.Name, reason, trigger.Queue);
    }

    /// <summary>Why not to consume now (the function is paused or gone), or null.</summary>
    private async Task<string?> HeldAsync(CancellationToken ct) =>
        await functions.GetAsync(function, ct) switch
        {
            null => "function removed",
            { Paused: true } => "function paused",
            _ => null,
        };

    /// <summary>The broker URL: as written in the spec, or read from the named secret at every connect (so a rotated secret takes effect on the next one).</summary>
    private async Task<string> UrlAsync(CancellationToken ct)
    {
        if (!trigger.UrlIsSecret)
            return trigger.Url;
        if (vault is null)
            throw new SecretUnavailableException($"the url names secret '{trigger.Url}', but this store keeps no secrets");
        var value = (await vault.ReadAsync([trigger.Url], ct))[0];
        var url = Encoding.UTF8.GetString(value.Value).Trim();
        if (!AmqpTrigger.IsValidAmqpUri(url))
            throw new SecretUnavailableException($"secret '{trigger.Url}' does not hold an amqp:// or amqps:// URL");
        return url;
    }

    private async Task<Session> ConsumeAsync(string url, CancellationToken ct)
    {
        var factory = BrokerFactories.Create(url, options.Heartbeat, options.CallTimeout, $"fjord trigger {function}/{trigger.Name}");
        // Deliveries go to intake concurrently, so they share its group commits.
        factory.ConsumerDispatchConcurrency = (ushort)Math.Min(trigger.Prefetch, 64);
        var session = new Session();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.CallTimeout);
        await using var connection = await factory.CreateConnectionAsync(timeout.Token);
        connection.ConnectionShutdownAsync += (_, e) => session.End(e.ReplyText);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: timeout.Token);
        channel.ChannelShutdownAsync += (_, e) => session.End(e.ReplyText);
        if (trigger.Declare)
            await channel.QueueDeclareAsync(trigger.Queue, durable: true, exclusive: false, autoDelete: false, arguments: null, cancellationToken: timeout.Token);
        else
            await channel.QueueDeclarePassiveAsync(trigger.Queue, timeout.Token);
        await channel.BasicQosAsync(0, (ushort)trigger.Prefetch, global: false, timeout.Token);

        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnDeliveryAsync(channel, session, delivery, ct);
        // The broker cancels a consumer whose queue was deleted: start over (and find it missing).
        consumer.UnregisteredAsync += (_, _) => session.End("the broker cancelled the subscription");
        var tag = await channel.BasicConsumeAsync(trigger.Queue, autoAck: false, consumer, timeout.Token);
        session.Consumed = true;
        _holding = null;
        metrics.Connected(function, trigger.Name, true);
        TriggerLog.Consuming(logger, function, trigger.Name, trigger.Queue, AmqpTrigger.Masked(url), trigger.Prefetch);

        await using (ct.Register(() => session.End("stopping")))
            await session.Ended;

        // Leaving: no new deliveries, let the ones in hand be acked or nacked, then close (what
        // is still unacked then goes back to the queue).
        using var closing = new CancellationTokenSource(options.CallTimeout);
        await Quietly(async () =>
        {
            if (channel.IsOpen)
                await channel.BasicCancelAsync(tag, noWait: false, closing.Token);
        });
        await session.DrainAsync(closing.Token);
        await Quietly(async () =>
        {
            if (channel.IsOpen)
                await channel.CloseAsync(closing.Token);
            if (connection.IsOpen)
                await connection.CloseAsync(closing.Token);
        });
        return session;
    }

    private async Task OnDeliveryAsync(IChannel channel, Session session, BasicDeliverEventArgs delivery, CancellationToken ct)
    {
        metrics.Consumed(function, trigger.Name);
        session.Enter();
        try
        {
            if (session.HoldFor is not null)
            {
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
                return;
            }
            var properties = delivery.BasicProperties;
            var messageId = properties.IsMessageIdPresent() ? properties.MessageId : null;
            using var trace = IntakeTrace.Start(function, AmqpMessage.Header(properties, "traceparent"), AmqpMessage.Header(properties, "tracestate"), ActivityKind.Consumer);
            var outcome = await intake.SubmitAsync(new IntakeRequest
            {
                Function = function,
                // The body is the client's buffer, valid only during this callback: intake gets its own copy.
                Payloads = [delivery.Body.ToArray()],
                ContentType = properties.IsContentTypePresent() ? properties.ContentType : null,
                IdempotencyKey = AmqpMessage.IdempotencyKey(trigger.Queue, messageId),
                Trace = trace.Packed,
                Trigger = AmqpMessage.Trigger(trigger, delivery),
                RefuseWhenPaused = true,
            }, ct);

            if (outcome.Refusal is not { } refusal)
            {
                trace.Job(outcome.Jobs[0].Id);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                metrics.Accepted(function, trigger.Name, outcome.Jobs[0].Existing);
                return;
            }
            metrics.Rejected(function, trigger.Name, refusal.Reason);
            if (refusal.Kind is IntakeRefusalKind.TooLarge or IntakeRefusalKind.Invalid)
            {
                TriggerLog.Dropped(logger, function, trigger.Name, messageId ?? "(no message id)", refusal.Reason, refusal.Detail);
                await channel.BasicRejectAsync(delivery.DeliveryTag, requeue: false, CancellationToken.None);
                return;
            }
            var wait = refusal.Kind switch
            {
                IntakeRefusalKind.QueueFull => refusal.RetryAfter ?? options.RetryDelay,
                IntakeRefusalKind.Paused => options.PausedPoll,
                _ => options.RetryDelay,
            };
            session.Hold(wait, refusal.Reason);
            await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true, CancellationToken.None);
        }
        catch (Exception e) when (e is OperationCanceledException or AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // Not acked: the broker requeues the message when this channel closes.
        }
        finally
        {
            session.Exit();
        }
    }

    private static async Task Quietly(Func<Task> close)
    {
        try
        {
            await close();
        }
        catch (Exception e) when (e is OperationCanceledException or AlreadyClosedException or OperationInterruptedException or IOException or TimeoutException)
        {
            // The connection is going anyway.
        }
    }

    private static string Describe(Exception e) => e switch
    {
        OperationInterruptedException { ShutdownReason: { } reason } => $"the broker refused: {reason.ReplyCode} {reason.ReplyText}",
        BrokerUnreachableException { InnerException: { } inner } => "the broker is unreachable: " + inner.Message,
        _ => e.Message,
    };

    /// <summary>The state of one connection's session, shared by the loop and the delivery callbacks.</summary>
    private sealed class Session
    {
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _inFlight;
        private int _leaving;

        public Task Ended => _ended.Task;

        public bool Consumed { get; set; }

        public string? EndReason { get; private set; }

        /// <summary>Set when intake refused for a while: how long to stay away, and why.</summary>
        public TimeSpan? HoldFor { get; private set; }

        public string? HoldReason { get; private set; }

        public Task End(string reason)
        {
            EndReason ??= reason;
            _ended.TrySetResult();
            return Task.CompletedTask;
        }

        public void Hold(TimeSpan wait, string reason)
        {
            lock (_ended)
            {
                if (HoldFor is null)
                {
                    HoldFor = wait;
                    HoldReason = reason;
                }
            }
            End("holding: " + reason);
        }

        public void Enter() => Interlocked.Increment(ref _inFlight);

        public void Exit()
        {
            if (Interlocked.Decrement(ref _inFlight) == 0 && Volatile.Read(ref _leaving) == 1)
                _drained.TrySetResult();
        }

        public async Task DrainAsync(CancellationToken ct)
        {
            Volatile.Write(ref _leaving, 1);
            if (Volatile.Read(ref _inFlight) == 0)
                return;
            await _drained.Task.WaitAsync(ct).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Removes the URL's password (and the URL itself) from a message before it is logged.</summary>
    private readonly struct Redactor(string? url)
    {
        public string Apply(string? message)
        {
            if (message is null)
                return "";
            if (url is null)
                return message;
            message = message.Replace(url, AmqpTrigger.Masked(url), StringComparison.Ordinal);
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.UserInfo.Split(':', 2) is [_, { Length: > 0 } password])
            {
                message = message.Replace(password, "***", StringComparison.Ordinal);
                var plain = Uri.UnescapeDataString(password);
                if (plain.Length > 0)
                    message = message.Replace(plain, "***", StringComparison.Ordinal);
            }
            return message;
        }
    }
}
