using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Schedules;

/// <summary>Log events of the scheduler, source-generated, with stable event ids (15xx).</summary>
internal static partial class ScheduleLog
{
    [LoggerMessage(1501, LogLevel.Information, "Schedule {Function}/{Schedule} fired for {FireAt:O}: job {JobId}")]
    public static partial void Fired(ILogger logger, string function, string schedule, DateTimeOffset fireAt, string jobId);

    [LoggerMessage(1502, LogLevel.Information, "Schedule {Function}/{Schedule} skipped {FireAt:O}: its previous run {JobId} is still {Status}")]
    public static partial void Skipped(ILogger logger, string function, string schedule, DateTimeOffset fireAt, string jobId, string status);

    [LoggerMessage(1503, LogLevel.Information, "Schedule {Function}/{Schedule} missed {FireAt:O} while no gateway ran (catchUp: none)")]
    public static partial void Missed(ILogger logger, string function, string schedule, DateTimeOffset fireAt);

    [LoggerMessage(1504, LogLevel.Warning, "Schedule {Function}/{Schedule} could not fire {FireAt:O}: {Reason}")]
    public static partial void Refused(ILogger logger, string function, string schedule, DateTimeOffset fireAt, string reason);

    [LoggerMessage(1505, LogLevel.Error, "The scheduler could not reach the store; it tries again shortly")]
    public static partial void StoreFailed(ILogger logger, Exception exception);

    [LoggerMessage(1506, LogLevel.Information, "Schedule {Function}/{Schedule} {Action}")]
    public static partial void Changed(ILogger logger, string function, string schedule, string action);
}
