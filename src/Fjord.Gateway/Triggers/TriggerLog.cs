using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Triggers;

/// <summary>
/// Log events of the queue triggers (15xx). A broker is always named by its masked URL
/// (<see cref="Core.Functions.AmqpTrigger.Masked"/>) and errors by their redacted message: no
/// password reaches a log.
/// </summary>
internal static partial class TriggerLog
{
    [LoggerMessage(1501, LogLevel.Information, "Trigger {Function}/{Trigger}: consuming queue '{Queue}' on {Broker} (prefetch {Prefetch})")]
    public static partial void Consuming(ILogger logger, string function, string trigger, string queue, string broker, int prefetch);

    [LoggerMessage(1502, LogLevel.Warning, "Trigger {Function}/{Trigger}: {Problem}; trying again in {DelaySeconds}s")]
    public static partial void Failed(ILogger logger, string function, string trigger, string problem, double delaySeconds);

    [LoggerMessage(1503, LogLevel.Information, "Trigger {Function}/{Trigger}: holding ({Reason}); messages stay in queue '{Queue}'")]
    public static partial void Holding(ILogger logger, string function, string trigger, string reason, string queue);

    [LoggerMessage(1504, LogLevel.Warning, "Trigger {Function}/{Trigger}: message {MessageId} refused for good ({Reason}: {Detail}); rejected without requeue (the queue's dead-letter exchange gets it, if it has one)")]
    public static partial void Dropped(ILogger logger, string function, string trigger, string messageId, string reason, string detail);

    [LoggerMessage(1505, LogLevel.Information, "Trigger {Function}/{Trigger}: stopped")]
    public static partial void Stopped(ILogger logger, string function, string trigger);

    [LoggerMessage(1506, LogLevel.Warning, "Queue triggers: cannot read the deployed functions; trying again shortly")]
    public static partial void RefreshFailed(ILogger logger, Exception exception);
}
