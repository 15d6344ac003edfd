using Fjord.Core.Storage;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Takes due callbacks for delivery by pushing their next_at past the hold: a dispatcher that
/// dies mid-delivery leaves them due again after it (at least once). Promises nobody anything,
/// so it rides a NORMAL commit.
/// </summary>
internal sealed class ClaimCallbacksOp(int max, long holdMs) : WriteOp<IReadOnlyList<PendingCallback>>
{
    private static readonly SqlText Sql = new("""
        UPDATE callbacks SET next_at = $hold
        WHERE id IN (SELECT id FROM callbacks WHERE next_at <= $now ORDER BY next_at LIMIT $max)
        RETURNING id, job_id, url, status, attempt, error_kind, error_message, error_exit_code, tries
        """);

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context)
    {
        var due = new List<PendingCallback>();
        using var reader = context.Sql[Sql].Set("$hold", context.Now + holdMs).Set("$now", context.Now).Set("$max", max).Read();
        while (reader.Read())
            due.Add(CallbackRows.ReadPending(reader));
        Result = due;
    }
}

/// <summary>
/// Records one delivery try and when to try next (NULL: delivered or given up). Not durable:
/// a record lost in a crash only means the callback is delivered again.
/// </summary>
internal sealed class RecordCallbackOp(long callbackId, CallbackDelivery delivery, long? nextAt) : WriteOp<bool>
{
    private static readonly SqlText Insert = new("""
        INSERT INTO callback_tries (callback_id, job_id, at, status_code, error)
        SELECT id, job_id, $at, $code, $error FROM callbacks WHERE id = $id
        """);

    private static readonly SqlText Update = new("UPDATE callbacks SET tries = tries + 1, next_at = $next WHERE id = $id");

    public override bool Durable => false;

    public override void Execute(WriteContext context)
    {
        context.Sql[Insert]
            .Set("$id", callbackId)
            .Set("$at", UnixMs.From(delivery.At))
            .Set("$code", delivery.StatusCode)
            .Set("$error", delivery.Error)
            .Run();
        Result = context.Sql[Update].Set("$next", nextAt).Set("$id", callbackId).Run() > 0;
    }
}
