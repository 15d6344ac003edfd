namespace Fjord.Core.Jobs;

/// <summary>
/// What the worker hands back to the queue when an attempt ends: the result (on success) or the
/// error, plus the captured log tail. Recorded in the same write that acks, retries or
/// dead-letters the job, so the record and the queue can never disagree.
/// </summary>
public sealed record AttemptOutcome
{
    public required DateTimeOffset FinishedAt { get; init; }
    public byte[]? Result { get; init; }
    public string? ResultContentType { get; init; }
    public JobError? Error { get; init; }
    public string Log { get; init; } = "";

    /// <summary>The error a failed attempt is recorded with: its own, or a crash when it gave none.</summary>
    public JobError FailureError => Error ?? new JobError(ErrorKind.Crash, "failed without an error");

    public static AttemptOutcome Success(byte[] result, string contentType, string log, DateTimeOffset at) =>
        new() { FinishedAt = at, Result = result, ResultContentType = contentType, Log = log };

    public static AttemptOutcome Failure(JobError error, string log, DateTimeOffset at) =>
        new() { FinishedAt = at, Error = error, Log = log };
}
