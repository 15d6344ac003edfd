using Fjord.Core.Jobs;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Takes back jobs whose worker is gone. Two ways a worker goes: its lease runs out without a
/// renewal (hung, paused, partitioned: <see cref="ReapExpired"/>), or this process died while
/// jobs ran (<see cref="RecoverAll"/> at open). Either way the attempt is recorded as lost with
/// error kind crash and counts: the job may have half-run, so it runs again (at least once) unless
/// that was its last allowed attempt, when it becomes a dead letter instead.
/// </summary>
internal static class Reaper
{
    private const string Take = $"""
        UPDATE jobs SET
            status = CASE WHEN attempt >= max_attempts THEN {JobSql.TakeBackLast.To} ELSE {JobSql.TakeBack.To} END,
            finished_at = CASE WHEN attempt >= max_attempts THEN $now ELSE NULL END,
            run_at = CASE WHEN attempt >= max_attempts THEN run_at ELSE min(run_at, $now) END,
            lease_expires = NULL,
            error_kind = 'crash', error_message = $message, error_exit_code = NULL
        """;

    private const string Returning = "RETURNING id, function, attempt, status, started_at, node, callback_url";

    private static readonly SqlText Expired = new($"{Take} WHERE status = {JobSql.TakeBack.From} AND lease_expires < $now {Returning}");

    private static readonly SqlText Running = new($"{Take} WHERE status = {JobSql.TakeBack.From} {Returning}");

    private static readonly SqlText One = new($"{Take} WHERE id = $id AND lease_token = $token AND status = {JobSql.TakeBack.From} {Returning}");

    private static readonly SqlText SweepKeys = new("""
        DELETE FROM idempotency WHERE (function, key) IN
            (SELECT function, key FROM idempotency WHERE created_at < $cutoff LIMIT 1000)
        """);

    /// <summary>Running jobs whose lease ran out. Returns the ids taken back.</summary>
    public static List<string> ReapExpired(WriteContext context) => TakeBack(context, context.Sql[Expired], TakeBackReasons.LeaseExpired);

    /// <summary>At open, in a process that owns the file alone: every running job was orphaned by a crash.</summary>
    public static List<string> RecoverAll(WriteContext context) => TakeBack(context, context.Sql[Running], TakeBackReasons.NodeStopped);

    /// <summary>
    /// One attempt that ran but whose ack, retry or dead letter failed (disk full): taken back at
    /// once and counted, exactly as if its lease had run out, never handed back as if unstarted.
    /// </summary>
    public static bool TakeBackRan(WriteContext context, string jobId, long token) =>
        TakeBack(context, context.Sql[One].Set("$id", jobId).Set("$token", token), TakeBackReasons.OutcomeNotRecorded).Count == 1;

    /// <summary>Idempotency keys older than their 24 h are dead weight; drop a bounded number per tick.</summary>
    public static void SweepIdempotencyKeys(WriteContext context) =>
        context.Sql[SweepKeys].Set("$cutoff", context.Now - (long)IdempotencyKeys.Lifetime.TotalMilliseconds).Run();

    private static List<string> TakeBack(WriteContext context, Statement sql, string message)
    {
        var rows = new List<(string Id, string Function, long Attempt, long Status, long StartedAt, string? Node, string? CallbackUrl)>();
        using (var reader = sql.Set("$now", context.Now).Set("$message", message).Read())
        {
            while (reader.Read())
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt64(3),
                    reader.IsDBNull(4) ? context.Now : reader.GetInt64(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                    reader.IsDBNull(6) ? null : reader.GetString(6)));
            }
        }

        var error = new JobError(ErrorKind.Crash, message);
        var ids = new List<string>(rows.Count);
        foreach (var row in rows)
        {
            JobWrites.RecordAttempt(context, row.Id, row.Attempt, row.StartedAt, row.Node, AttemptOutcomes.Lost, error, log: null);
            if (row.Status == (long)JobStatus.Failed)
            {
                JobWrites.DeadLettered(context, row.Function, row.Id, error);
                JobWrites.QueueCallback(context, row.Id, row.CallbackUrl, JobStatus.Failed, row.Attempt, error);
            }
            else
                JobWrites.Waiting(context, row.Function, context.Now);
            ids.Add(row.Id);
        }
        return ids;
    }
}
