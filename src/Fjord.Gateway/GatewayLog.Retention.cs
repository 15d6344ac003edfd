using Microsoft.Extensions.Logging;

namespace Fjord.Gateway;

internal static partial class GatewayLog
{
    [LoggerMessage(1160, LogLevel.Information, "Retention deleted {Count} {Status} jobs of {Function}")]
    public static partial void RetentionSwept(ILogger logger, long count, string status, string function);

    [LoggerMessage(1161, LogLevel.Error, "The retention sweep failed; it tries again next round")]
    public static partial void RetentionFailed(ILogger logger, Exception exception);

    [LoggerMessage(1162, LogLevel.Information, "Backup of the store sent: {Bytes} bytes in {Ms} ms")]
    public static partial void BackupSent(ILogger logger, long bytes, long ms);
}
