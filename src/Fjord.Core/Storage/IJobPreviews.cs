namespace Fjord.Core.Storage;

/// <summary>
/// What the dashboard's job page previews: the first bytes of a job's payload or result with the
/// whole size (only <c>maxBytes</c> are read, however large the body is), and every ended
/// attempt's log in one read.
/// </summary>
public interface IJobPreviews
{
    /// <summary>Null when the job is unknown, or (for <see cref="JobBody.Result"/>) has no stored result.</summary>
    Task<BodyHead?> GetBodyHeadAsync(string id, JobBody body, int maxBytes, CancellationToken cancellationToken);

    /// <summary>
    /// The logs of the job's ended attempts, oldest first: the same order as the ended entries of
    /// <see cref="Jobs.JobRecord.Attempts"/> (attempt numbers start again after a retry, so a number alone is ambiguous).
    /// </summary>
    Task<IReadOnlyList<string>> GetAttemptLogsAsync(string id, CancellationToken cancellationToken);
}

public enum JobBody
{
    Payload,
    Result,
}

/// <summary><paramref name="Head"/> holds at most the requested bytes; <paramref name="Size"/> is the whole body's length.</summary>
public sealed record BodyHead(byte[] Head, long Size, string? ContentType)
{
    public bool Whole => Head.LongLength == Size;
}
