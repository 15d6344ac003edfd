using Microsoft.Extensions.Logging;

namespace Fjord.Gateway;

/// <summary>The gateway's log events, source-generated, with stable event ids (1xxx).</summary>
internal static partial class GatewayLog
{
    [LoggerMessage(1001, LogLevel.Debug, "Accepted {Count} job(s) for {Function}")]
    public static partial void JobsAccepted(ILogger logger, string function, int count);

    [LoggerMessage(1002, LogLevel.Information, "Refused intake for {Function}: {Reason}")]
    public static partial void IntakeRefused(ILogger logger, string function, string reason);

    [LoggerMessage(1003, LogLevel.Warning, "The store could not confirm a write; answered 503 for {Path}")]
    public static partial void StoreUnavailable(ILogger logger, string path, Exception exception);

    [LoggerMessage(1004, LogLevel.Error, "Unhandled error for {Method} {Path}")]
    public static partial void Unhandled(ILogger logger, string method, string path, Exception exception);

    [LoggerMessage(1005, LogLevel.Information, "Function {Function} {Change}")]
    public static partial void FunctionChanged(ILogger logger, string function, string change);

    [LoggerMessage(1006, LogLevel.Information, "Stored bundle {Hash} ({Bytes} bytes) for {Function}")]
    public static partial void BundleStored(ILogger logger, string hash, int bytes, string function);

    [LoggerMessage(1007, LogLevel.Warning, "Readiness check {Check} failed")]
    public static partial void ReadinessFailed(ILogger logger, string check, Exception exception);

    [LoggerMessage(1008, LogLevel.Debug, "Refused a request to {Path}: {Reason}")]
    public static partial void AuthRefused(ILogger logger, string path, string reason);

    [LoggerMessage(1009, LogLevel.Information, "Job {JobId} {Command}")]
    public static partial void JobCommand(ILogger logger, string jobId, string command);

    [LoggerMessage(1010, LogLevel.Information, "Dead letters {Action}: {Count} of {Function}")]
    public static partial void DeadLetters(ILogger logger, string action, long count, string function);

    [LoggerMessage(1011, LogLevel.Debug, "Callback of job {JobId} delivered on try {Try} ({StatusCode})")]
    public static partial void CallbackDelivered(ILogger logger, string jobId, int @try, int statusCode);

    [LoggerMessage(1012, LogLevel.Information, "Callback of job {JobId} failed on try {Try}: {Reason}; next try {Next}")]
    public static partial void CallbackFailed(ILogger logger, string jobId, int @try, string reason, string next);

    [LoggerMessage(1013, LogLevel.Error, "The callback dispatcher could not reach the store; it tries again shortly")]
    public static partial void CallbackStoreFailed(ILogger logger, Exception exception);
}
