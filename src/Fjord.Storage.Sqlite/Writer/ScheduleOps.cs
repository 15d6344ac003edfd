using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Creates a schedule's state (cursor at now), or starts it over when its cron or zone changed.
/// Promises nothing (a lost state is made again at the next look), so it rides any commit.
/// </summary>
internal sealed class EnsureScheduleOp(string function, string name, string signature, long now) : WriteOp<ScheduleState>
{
    private static readonly SqlText Upsert = new("""
        INSERT INTO schedules (function, name, signature, cursor_at) VALUES ($function, $name, $signature, $now)
        ON CONFLICT (function, name) DO UPDATE SET signature = excluded.signature, cursor_at = excluded.cursor_at
            WHERE schedules.signature <> excluded.signature
        """);

    private static readonly SqlText Select = new($"SELECT {ScheduleRows.Columns} FROM schedules WHERE function = $function AND name = $name");

    public override bool Durable => false;

    public override void Execute(WriteContext context)
    {
        context.Sql[Upsert].Set("$function", function).Set("$name", name).Set("$signature", signature).Set("$now", now).Run();
        using var reader = context.Sql[Select].Set("$function", function).Set("$name", name).Read();
        reader.Read();
        Result = ScheduleRows.Read(reader);
    }
}

/// <summary>
/// A run was made for a fire time (<paramref name="fireAt"/>) or by hand (<paramref name="moveCursor"/>
/// false): the cursor only moves up, and the last run is replaced only by a later one. The job
/// itself is already durable and keyed, so this needs no fsync of its own.
/// </summary>
internal sealed class RecordScheduleRunOp(string function, string name, long fireAt, string jobId, bool moveCursor) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("""
        UPDATE schedules SET
            cursor_at = CASE WHEN $move = 1 AND cursor_at < $at THEN $at ELSE cursor_at END,
            last_job_id = CASE WHEN last_fire_at IS NULL OR last_fire_at <= $at THEN $job ELSE last_job_id END,
            last_fire_at = CASE WHEN last_fire_at IS NULL OR last_fire_at <= $at THEN $at ELSE last_fire_at END
        WHERE function = $function AND name = $name
        """);

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) =>
        Result = context.Sql[Sql].Set("$move", moveCursor ? 1 : 0).Set("$at", fireAt).Set("$job", jobId)
            .Set("$function", function).Set("$name", name).Run() > 0;
}

/// <summary>A fire time passed without a run (skipped, or missed): compare-and-set on the cursor, so it counts once.</summary>
internal sealed class PassScheduleFireOp(string function, string name, long fireAt, bool skipped) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("""
        UPDATE schedules SET cursor_at = $at, skipped = skipped + $skip
        WHERE function = $function AND name = $name AND cursor_at < $at
        """);

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) =>
        Result = context.Sql[Sql].Set("$at", fireAt).Set("$skip", skipped ? 1 : 0).Set("$function", function).Set("$name", name).Run() > 0;
}

/// <summary>Pause or resume (an answer to an operator: durable). A resume moves the cursor to now, so the pause is not caught up.</summary>
internal sealed class SetSchedulePausedOp(string function, string name, bool paused, long now) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("""
        UPDATE schedules SET
            cursor_at = CASE WHEN $paused = 0 AND paused = 1 AND cursor_at < $now THEN $now ELSE cursor_at END,
            paused = $paused
        WHERE function = $function AND name = $name
        """);

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) =>
        Result = context.Sql[Sql].Set("$paused", paused ? 1 : 0).Set("$now", now).Set("$function", function).Set("$name", name).Run() > 0;
}

/// <summary>Forgets the states of a function's schedules that its spec no longer names.</summary>
internal sealed class ForgetSchedulesOp(string function, string keepJson) : WriteOp<bool>
{
    private static readonly SqlText Sql = new("""
        DELETE FROM schedules WHERE function = $function AND name NOT IN (SELECT value FROM json_each($keep))
        """);

    public override bool Durable => true;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) =>
        Result = context.Sql[Sql].Set("$function", function).Set("$keep", keepJson).Run() > 0;
}
