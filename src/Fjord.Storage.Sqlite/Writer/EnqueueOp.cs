using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Stores a batch of new jobs, all or none (it runs in its own savepoint: a full queue halfway
/// through rolls back the jobs before it, and only them). The idempotency key is checked here,
/// inside the writer's transaction, so two concurrent requests with one key cannot both insert.
/// </summary>
internal sealed class EnqueueOp(IReadOnlyList<NewJob> jobs) : WriteOp<IReadOnlyList<EnqueuedJob>>
{

    private static readonly SqlText Insert = new("""
        INSERT INTO jobs (id, function, status, max_attempts, created_at, run_at, sync, content_type, callback_url, trace, trigger_info, payload)
        VALUES ($id, $function, $status, $max, $created, $run, $sync, $type, $callback, $trace, $trigger, $payload)
        """);

    private static readonly SqlText FindKey = new(
        "SELECT job_id, created_at FROM idempotency WHERE function = $function AND key = $key");

    private static readonly SqlText PutKey = new("""
        INSERT INTO idempotency (function, key, job_id, created_at) VALUES ($function, $key, $job, $now)
        ON CONFLICT(function, key) DO UPDATE SET job_id = excluded.job_id, created_at = excluded.created_at
        """);

    // A sync invocation's caller holds the request open and hears the outcome itself: no 202
    // promise rests on the row, so it may ride a NORMAL commit. One async job makes it FULL.
    public override bool Durable
    {
        get
        {
            foreach (var job in jobs)
            {
                if (!job.Sync)
                    return true;
            }
            return false;
        }
    }

    public override bool NeedsSavepoint => jobs.Count > 1 || jobs[0].IdempotencyKey is not null;

    public override int Weight => jobs.Count;

    public override void Execute(WriteContext context)
    {
        var results = new EnqueuedJob[jobs.Count];
        for (var i = 0; i < jobs.Count; i++)
            results[i] = EnqueueOne(context, jobs[i]);
        Result = results;
    }

    private static EnqueuedJob EnqueueOne(WriteContext context, NewJob job)
    {
        var sql = context.Sql;
        if (job.IdempotencyKey is { } key)
        {
            if (FindLiveKey(context, job.Function, key) is { } existing)
                return new EnqueuedJob(existing, Existing: true);
            var stamp = context.Now + IdempotencyKeys.ExtraMilliseconds(job.IdempotencyLifetime);
            sql[PutKey].Set("$function", job.Function).Set("$key", key).Set("$job", job.Id).Set("$now", stamp).Run();
        }

        if (context.Functions.Find(job.Function) is { } info && context.Depths.Get(job.Function) >= info.MaxQueueDepth)
            throw new QueueFullException(job.Function);

        var runAt = job.RunAt is { } at ? Math.Max(UnixMs.From(at), context.Now) : context.Now;
        var status = runAt > context.Now ? JobStatus.Scheduled : JobStatus.Queued;
        sql[Insert]
            .Set("$id", job.Id)
            .Set("$function", job.Function)
            .Set("$status", (int)status)
            .Set("$max", job.MaxAttempts)
            .Set("$created", UnixMs.From(job.CreatedAt))
            .Set("$run", runAt)
            .Set("$sync", job.Sync ? 1 : 0)
            .Set("$type", job.ContentType)
            .Set("$callback", job.CallbackUrl)
            .Set("$trace", job.Trace)
            .Set("$trigger", JobTrigger.Pack(job.Trigger))
            .Set("$payload", Payloads.AsArray(job.Payload))
            .Run();
        JobWrites.Waiting(context, job.Function, runAt);
        return new EnqueuedJob(job.Id, Existing: false);
    }

    private static string? FindLiveKey(WriteContext context, string function, string key)
    {
        using var reader = context.Sql[FindKey].Set("$function", function).Set("$key", key).Read();
        if (!reader.Read())
            return null;
        var createdAt = reader.GetInt64(1);
        // Expired keys are simply overwritten by the caller.
        return IdempotencyKeys.IsLive(createdAt, context.Now) ? reader.GetString(0) : null;
    }
}
