using System.Data.Common;
using Fjord.Core.Jobs;

namespace Fjord.Core.Storage;

/// <summary>Reads callback outbox rows on every SQL backend (see <see cref="JobRowReader"/> for the types read).</summary>
public static class CallbackRows
{
    /// <summary>A due callback: <c>id, job_id, url, status, attempt, error_kind, error_message, error_exit_code, tries</c>.</summary>
    public static PendingCallback ReadPending(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        JobError? error = null;
        if (!reader.IsDBNull(5) && Enum.TryParse<ErrorKind>(reader.GetString(5), ignoreCase: true, out var kind))
            error = new JobError(kind, reader.IsDBNull(6) ? "" : reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetInt32(7));
        return new PendingCallback(
            reader.GetInt64(0), reader.GetString(1), reader.GetString(2), (JobStatus)reader.GetInt32(3),
            reader.GetInt32(4), error, reader.GetInt32(8));
    }

    /// <summary>One delivery try, the <paramref name="number"/>th of its job: <c>t.at, c.status, t.status_code, t.error</c>.</summary>
    public static CallbackRecord ReadTry(DbDataReader reader, int number)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new CallbackRecord(
            number,
            UnixMs.To(reader.GetInt64(0)),
            (JobStatus)reader.GetInt32(1),
            reader.IsDBNull(2) ? null : reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3));
    }
}
