using Microsoft.Extensions.Logging;

namespace Fjord.Gateway;

/// <summary>The key events of the gateway log (11xx). Secrets never appear: only key ids.</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(1101, LogLevel.Debug, "Key {KeyId} over its rate limit on {Path}")]
    public static partial void KeyRateLimited(ILogger logger, string keyId, string path);

    [LoggerMessage(1102, LogLevel.Information, "Key {KeyId} {Change} by key {By}")]
    public static partial void KeyChanged(ILogger logger, string keyId, string change, string by);

    [LoggerMessage(1103, LogLevel.Warning, "Could not record the last use of {Count} key(s); trying again at the next flush")]
    public static partial void KeyUseNotRecorded(ILogger logger, int count, Exception exception);
}
