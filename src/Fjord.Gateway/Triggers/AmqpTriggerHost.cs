using Fjord.Core.Functions;
using Fjord.Core.Secrets;
using Fjord.Core.Storage;
using Fjord.Gateway.Functions;
using Fjord.Gateway.Intake;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Triggers;

/// <summary>
/// Runs one <see cref="AmqpTriggerConsumer"/> per queue trigger of the deployed functions, in
/// every gateway (<c>fjord up</c> and <c>fjord gateway</c>): it reads the functions every
/// <see cref="AmqpTriggerOptions.Refresh"/>, starts consumers for new triggers, restarts those
/// whose spec changed and stops those of removed triggers and functions. Several gateways on one
/// store each consume (the broker spreads the messages); a message still becomes one job, as
/// intake finds a redelivery's job by its message id.
/// </summary>
internal sealed class AmqpTriggerHost(
    IFunctionStore store,
    JobIntake intake,
    FunctionCache functions,
    SecretVault? vault,
    AmqpTriggerMetrics metrics,
    AmqpTriggerOptions options,
    ILoggerFactory loggers) : BackgroundService
{
    private readonly Dictionary<(string Function, string Trigger), AmqpTriggerConsumer> _consumers = [];
    private readonly ILogger _logger = loggers.CreateLogger<AmqpTriggerHost>();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Enabled)
            return;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RefreshAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    TriggerLog.RefreshFailed(_logger, e);
                }
                await Task.Delay(options.Refresh, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            foreach (var consumer in _consumers.Values)
                await consumer.DisposeAsync();
            _consumers.Clear();
        }
    }

    private async Task RefreshAsync(CancellationToken ct)
    {
        var wanted = new Dictionary<(string, string), AmqpTrigger>();
        foreach (var state in await store.ListFunctionsAsync(ct))
        {
            foreach (var trigger in state.Spec.Triggers)
                wanted[(state.Spec.Name, trigger.Name)] = trigger;
        }
        foreach (var (key, consumer) in _consumers.ToList())
        {
            if (wanted.TryGetValue(key, out var trigger) && trigger == consumer.Trigger)
                continue;
            _consumers.Remove(key);
            await consumer.DisposeAsync();
            if (!wanted.ContainsKey(key))
                metrics.Remove(key.Function, key.Trigger);
        }
        foreach (var (key, trigger) in wanted)
        {
            if (_consumers.ContainsKey(key))
                continue;
            var consumer = new AmqpTriggerConsumer(key.Item1, trigger, intake, functions, vault, metrics, options, loggers.CreateLogger<AmqpTriggerConsumer>());
            _consumers[key] = consumer;
            consumer.Start();
        }
    }
}
