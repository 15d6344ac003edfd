using System.Data.Common;

namespace Fjord.Core.Storage;

/// <summary>The columns of a schedule state, in the order <see cref="Read"/> expects, on every SQL backend.</summary>
public static class ScheduleRows
{
    public const string Columns = "function, name, signature, paused, cursor_at, last_fire_at, last_job_id, skipped";

    public static ScheduleState Read(DbDataReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            reader.GetBoolean(3),
            UnixMs.To(reader.GetInt64(4)),
            reader.IsDBNull(5) ? null : UnixMs.To(reader.GetInt64(5)),
            reader.IsDBNull(6) ? null : reader.GetString(6),
            reader.GetInt64(7));
    }
}
