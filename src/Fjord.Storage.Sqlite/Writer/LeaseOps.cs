using Fjord.Core.Jobs;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Extends a running job's lease. Promises nothing durable: if it is lost in a crash, every
/// running job is recovered at the next open anyway. Fenced like every lease write.
/// </summary>
internal sealed class RenewOp(string jobId, long token) : WriteOp<bool>
{
    private static readonly SqlText Sql = new(
        $"UPDATE jobs SET lease_expires = $expires WHERE id = $id AND lease_token = $token AND status = {JobSql.Running}");

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        var expires = context.Now + (long)context.LeaseDuration.TotalMilliseconds;
        Result = context.Sql[Sql].Set("$expires", expires).Set("$id", jobId).Set("$token", token).Run() > 0;
    }
}

/// <summary>
/// Gives a leased job back without counting the attempt (the worker never started it, or is
/// shutting down before it could). It keeps its run_at, so it is again at the head of its queue.
/// Not durable: a release lost in a crash leaves the job running, and the next open recovers it.
/// </summary>
internal sealed class ReleaseOp(string jobId, long token) : WriteOp<bool>
{
    private static readonly SqlText Sql = new($"""
        UPDATE jobs SET status = {JobSql.Release.To}, attempt = attempt - 1, lease_expires = NULL,
            started_at = CASE WHEN attempt <= 1 THEN NULL ELSE started_at END,
            node = CASE WHEN attempt <= 1 THEN NULL ELSE node END
        WHERE id = $id AND lease_token = $token AND status = {JobSql.Release.From}
        RETURNING function, run_at
        """);

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        using var reader = context.Sql[Sql].Set("$id", jobId).Set("$token", token).Read();
        if (!reader.Read())
        {
            Result = false;
            return;
        }
        JobWrites.Waiting(context, reader.GetString(0), Math.Min(reader.GetInt64(1), context.Now));
        Result = true;
    }
}

/// <summary>
/// Takes back an attempt that ran but could not record its outcome: counted, with a crash
/// attempt row, like an expired lease (<see cref="Reaper.TakeBackRan"/>). Durable, because it
/// records an attempt.
/// </summary>
internal sealed class TakeBackRanOp(string jobId, long token) : WriteOp<bool>
{
    public override bool Durable => true;

    public override bool NeedsSavepoint => true;

    public override void Execute(WriteContext context) => Result = Reaper.TakeBackRan(context, jobId, token);
}
