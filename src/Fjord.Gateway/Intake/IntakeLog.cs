using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Intake;

/// <summary>Log events of intake and its triggers, source-generated, with stable event ids (14xx).</summary>
internal static partial class IntakeLog
{
    [LoggerMessage(1401, LogLevel.Warning, "The store could not confirm the jobs of {Function}; intake refused them")]
    public static partial void StoreUnavailable(ILogger logger, string function, Exception exception);
}
