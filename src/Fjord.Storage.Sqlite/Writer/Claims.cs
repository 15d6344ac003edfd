using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>The SQL of handing out work: claim the oldest due jobs, expire stale ones, find the next due time.</summary>
internal static class Claims
{
    // Two plain statements instead of one UPDATE … FROM (window) … RETURNING: that form cost
    // SQLite 3.53 about 0.3 ms per claim even when it found nothing (measured with raw
    // sqlite3_step; the same statement without RETURNING, or a rowid SELECT, takes a few µs),
    // and every fetch of an idle slot paid it. The SELECT walks the partial index jobs_due
    // (function, run_at) and stops after $limit rows; the point UPDATEs then cost a few µs each.
    // One writer owns the transaction, so nothing can change the rows between the two.
    private static readonly SqlText PickSql = new($"""
        SELECT rowid, id, attempt, max_attempts, created_at, sync, content_type, callback_url, payload, run_at, trace, trigger_info FROM jobs
        WHERE function = $function AND status IN ({JobSql.Claim.From}) AND run_at <= $now
          AND (created_at >= $cutoff OR requeued_at >= $cutoff)
        ORDER BY run_at, rowid LIMIT $limit
        """);

    private static readonly SqlText LeaseSql = new($"""
        UPDATE jobs SET status = {JobSql.Claim.To}, attempt = $attempt, lease_token = $token,
            lease_expires = $expires, node = $node, started_at = $now
        WHERE rowid = $rid
        """);

    private static readonly SqlText ExpireSql = new($"""
        UPDATE jobs SET status = {JobSql.Expire.To}, finished_at = $now, lease_expires = NULL,
            error_kind = 'expired', error_message = 'waited longer than the function''s maxAge'
        WHERE rowid IN (SELECT rowid FROM jobs
                        WHERE function = $function AND status IN ({JobSql.Expire.From}) AND run_at <= $now
                        ORDER BY run_at, rowid LIMIT $limit)
          AND created_at < $cutoff AND (requeued_at IS NULL OR requeued_at < $cutoff)
        RETURNING id, attempt, callback_url
        """);

    private static readonly SqlText NextDueSql = new(
        $"SELECT min(run_at) FROM jobs WHERE function = $function AND status IN ({JobSql.Waiting})");

    private const int MaxExpireRounds = 64;

    private static readonly JobError Expired = new(ErrorKind.Expired, "waited longer than the function's maxAge");

    /// <summary>
    /// Leases up to <paramref name="limit"/> due jobs of the function to <paramref name="node"/>,
    /// oldest first, skipping any created before <paramref name="cutoff"/> (maxAge) that
    /// <see cref="ExpireHead"/> has not dead-lettered yet: an expired job is never handed out.
    /// </summary>
    public static List<LeasedJob> Claim(WriteContext context, string function, string node, int limit, long cutoff)
    {
        var jobs = new List<LeasedJob>(limit);
        var rowids = new List<long>(limit);
        var now = context.Now;
        var startedAt = UnixMs.To(now);
        using (var reader = context.Sql[PickSql]
            .Set("$function", function)
            .Set("$now", now)
            .Set("$cutoff", cutoff)
            .Set("$limit", limit)
            .Read())
        {
            while (reader.Read())
            {
                rowids.Add(reader.GetInt64(0));
                jobs.Add(new LeasedJob
                {
                    Id = reader.GetString(1),
                    Function = function,
                    Attempt = reader.GetInt32(2) + 1,
                    MaxAttempts = reader.GetInt32(3),
                    CreatedAt = UnixMs.To(reader.GetInt64(4)),
                    Sync = reader.GetInt64(5) != 0,
                    ContentType = reader.IsDBNull(6) ? null : reader.GetString(6),
                    CallbackUrl = reader.IsDBNull(7) ? null : reader.GetString(7),
                    Payload = reader.GetFieldValue<byte[]>(8),
                    ReadyAt = UnixMs.To(reader.GetInt64(9)),
                    Trace = reader.IsDBNull(10) ? null : reader.GetString(10),
                    Trigger = JobTrigger.Unpack(reader.IsDBNull(11) ? null : reader.GetString(11)),
                    StartedAt = startedAt,
                    LeaseToken = 0, // set below, once the count is known
                });
            }
        }
        if (jobs.Count == 0)
            return jobs;

        var tokenBase = context.Tokens.Take(context.Sql, jobs.Count);
        var expires = now + (long)context.LeaseDuration.TotalMilliseconds;
        for (var i = 0; i < jobs.Count; i++)
        {
            jobs[i] = jobs[i] with { LeaseToken = tokenBase + i + 1 };
            context.Sql[LeaseSql]
                .Set("$attempt", jobs[i].Attempt)
                .Set("$token", jobs[i].LeaseToken)
                .Set("$expires", expires)
                .Set("$node", node)
                .Set("$now", now)
                .Set("$rid", rowids[i])
                .Run();
        }
        context.Depths.Add(function, -jobs.Count);
        return jobs;
    }

    /// <summary>
    /// maxAge: a job older than its function allows is not handed out but dead-lettered as
    /// expired, in the claim's own transaction. Age counts from creation or from the latest
    /// retry by hand (requeued_at), whichever is later: an operator retrying expired work means
    /// "run it now". Only the head of the queue is examined (the
    /// jobs about to be handed out), round after round while it holds expired ones, so the cost
    /// follows the number of expired jobs, not the length of the queue.
    /// </summary>
    public static void ExpireHead(WriteContext context, string function, long cutoff, int limit)
    {
        var ids = new List<(string Id, long Attempt, string? CallbackUrl)>();
        for (var round = 0; round < MaxExpireRounds; round++)
        {
            ids.Clear();
            using (var reader = context.Sql[ExpireSql]
                .Set("$now", context.Now)
                .Set("$function", function)
                .Set("$limit", Math.Max(limit, 16))
                .Set("$cutoff", cutoff)
                .Read())
            {
                while (reader.Read())
                    ids.Add((reader.GetString(0), reader.GetInt64(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
            }
            if (ids.Count == 0)
                return;
            context.Depths.Add(function, -ids.Count);
            foreach (var (id, attempt, callbackUrl) in ids)
            {
                JobWrites.DeadLettered(context, function, id, Expired);
                JobWrites.QueueCallback(context, id, callbackUrl, JobStatus.Failed, attempt, Expired);
            }
        }
    }

    /// <summary>The run_at of the function's earliest waiting job, or null when none waits.</summary>
    public static long? NextDue(WriteContext context, string function) =>
        context.Sql[NextDueSql].Set("$function", function).Scalar() is long due ? due : null;
}
