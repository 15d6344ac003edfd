using System.Data.Common;
using Fjord.Core.Jobs;

namespace Fjord.Core.Storage;

/// <summary>
/// Turns job and attempt rows into the read model (<see cref="JobRecord"/>), for every SQL
/// backend: Microsoft.Data.Sqlite and Npgsql both hand out a <see cref="DbDataReader"/>, and each
/// column is read as a type both accept (a PostgreSQL smallint as an int, an int as a long).
/// A backend selects <see cref="ColumnsBeforeSize"/>, its own blob length of <c>result</c>
/// (never the blob), then <see cref="ColumnsAfterSize"/>.
/// </summary>
public static class JobRowReader
{
    public const string ColumnsBeforeSize = """
        id, function, status, attempt, max_attempts, created_at, run_at, started_at, finished_at, node,
        callback_url, error_kind, error_message, error_exit_code, result_content_type
        """;

    public const string ColumnsAfterSize = "trace, trigger_info";

    public const string AttemptColumns = "job_id, number, started_at, finished_at, node, outcome, error_kind, error_message, exit_code";

    public static JobRecord Read(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var status = (JobStatus)reader.GetInt32(2);
        return new JobRecord
        {
            Id = reader.GetString(0),
            Function = reader.GetString(1),
            Status = status,
            Attempt = reader.GetInt32(3),
            MaxAttempts = reader.GetInt32(4),
            CreatedAt = UnixMs.To(reader.GetInt64(5)),
            RunAt = status is JobStatus.Queued or JobStatus.Scheduled ? UnixMs.To(reader.GetInt64(6)) : null,
            StartedAt = Time(reader, 7),
            QueueWaitMs = JobRecord.QueueWait(status, reader.GetInt64(6), reader.IsDBNull(7) ? null : reader.GetInt64(7)),
            FinishedAt = Time(reader, 8),
            Node = Text(reader, 9),
            CallbackUrl = Text(reader, 10),
            Error = Error(reader, 11),
            ResultContentType = Text(reader, 14),
            ResultSize = reader.IsDBNull(15) ? null : reader.GetInt64(15),
            Trace = Text(reader, 16),
            Trigger = JobTrigger.Unpack(Text(reader, 17)),
        };
    }

    /// <summary>A succeeded job's result: <c>result, result_content_type</c>; null when it has none.</summary>
    public static JobResult? ReadResult(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(0) ? null : new JobResult(reader.GetFieldValue<byte[]>(0), reader.IsDBNull(1) ? "application/octet-stream" : reader.GetString(1));
    }

    public static AttemptRecord ReadAttempt(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new(reader.GetInt32(1), UnixMs.To(reader.GetInt64(2)), Time(reader, 3), Text(reader, 4), reader.GetString(5), Error(reader, 6));
    }

    /// <summary>A running job's current attempt has no row yet (it is written when the attempt ends): show it from the job row.</summary>
    public static JobRecord WithAttempts(JobRecord job, List<AttemptRecord> attempts)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(attempts);
        if (job.Status == JobStatus.Running && job.StartedAt is { } started)
            attempts.Add(new AttemptRecord(job.Attempt, started, null, job.Node, AttemptOutcomes.Running, null));
        return job with { Attempts = attempts };
    }

    private static JobError? Error(DbDataReader reader, int kindColumn)
    {
        if (reader.IsDBNull(kindColumn))
            return null;
        var kind = Enum.TryParse<ErrorKind>(reader.GetString(kindColumn), ignoreCase: true, out var parsed) ? parsed : ErrorKind.Crash;
        var message = Text(reader, kindColumn + 1) ?? "";
        int? exitCode = reader.IsDBNull(kindColumn + 2) ? null : reader.GetInt32(kindColumn + 2);
        return new JobError(kind, message, exitCode);
    }

    private static DateTimeOffset? Time(DbDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : UnixMs.To(reader.GetInt64(column));

    private static string? Text(DbDataReader reader, int column) =>
        reader.IsDBNull(column) ? null : reader.GetString(column);
}
