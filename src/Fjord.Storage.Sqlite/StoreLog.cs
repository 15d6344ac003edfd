using Microsoft.Extensions.Logging;

namespace Fjord.Storage.Sqlite;

/// <summary>The store's log lines, source-generated with stable event ids.</summary>
internal static partial class StoreLog
{
    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Store {Path} open on node {Node}; {Recovered} job(s) found running after a stop were taken back")]
    public static partial void Opened(ILogger logger, string path, string node, int recovered);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Lease of job {JobId} expired; the attempt is recorded as lost")]
    public static partial void LeaseExpired(ILogger logger, string jobId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Error, Message = "A write group of {Ops} op(s) was rolled back; its callers were told the write is not confirmed")]
    public static partial void GroupFailed(ILogger logger, int ops, Exception error);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Critical, Message = "The store writer stopped; no write can be confirmed until the process restarts")]
    public static partial void WriterCrashed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 3005, Level = LogLevel.Warning, Message = "Could not give job {JobId} back; it is recovered when its lease runs out or at the next start")]
    public static partial void GiveBackFailed(ILogger logger, string jobId);

    [LoggerMessage(EventId = 3006, Level = LogLevel.Error, Message = "The lease reaper failed; it tries again next tick")]
    public static partial void ReapFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 3007, Level = LogLevel.Information, Message = "Job {JobId} was found running at open and taken back")]
    public static partial void Recovered(ILogger logger, string jobId);

    [LoggerMessage(EventId = 3009, Level = LogLevel.Warning, Message = "Giving free pages back to the file system failed; the store reuses them and tries again next tick")]
    public static partial void ReclaimFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Emptying the WAL failed; it is tried again when the store is next quiet")]
    public static partial void CheckpointFailed(ILogger logger, Exception error);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Information, Message = "Store {Path} was made before incremental vacuum: pages freed by deletes are reused, but the file does not shrink (docs/deploy.md says how to convert it)")]
    public static partial void NoIncrementalVacuum(ILogger logger, string path);

    [LoggerMessage(EventId = 3008, Level = LogLevel.Error, Message = "Handing out jobs of {Function} failed; its fetches wait and try again shortly")]
    public static partial void ServeFailed(ILogger logger, string function, Exception error);
}
