namespace Fjord.Core.Jobs;

/// <summary>
/// A job's place in its lifecycle. The numeric values are stored on disk: never renumber.
/// queued/scheduled → running → succeeded | failed (dead letter) | back to scheduled for a retry;
/// queued/scheduled → canceled.
/// </summary>
public enum JobStatus
{
    Queued = 0,
    Scheduled = 1,
    Running = 2,
    Succeeded = 3,
    Failed = 4,
    Canceled = 5,
}

public static class JobStatusNames
{
    public static string ToWire(this JobStatus status) => status switch
    {
        JobStatus.Queued => "queued",
        JobStatus.Scheduled => "scheduled",
        JobStatus.Running => "running",
        JobStatus.Succeeded => "succeeded",
        JobStatus.Failed => "failed",
        JobStatus.Canceled => "canceled",
        _ => throw new ArgumentOutOfRangeException(nameof(status)),
    };

    public static bool TryParse(string? text, out JobStatus status)
    {
        status = default;
        return text is not null && Enum.TryParse(text, ignoreCase: true, out status) && Enum.IsDefined(status);
    }

    public static bool IsTerminal(this JobStatus status) =>
        status is JobStatus.Succeeded or JobStatus.Failed or JobStatus.Canceled;
}
