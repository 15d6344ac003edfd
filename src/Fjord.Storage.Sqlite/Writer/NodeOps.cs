using Fjord.Core.Nodes;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// One heartbeat: the node's row replaced, and nodes silent for a day forgotten. A beat promises
/// nobody anything, so it rides the next group commit without its own fsync.
/// </summary>
internal sealed class BeatOp(NodeReport report) : WriteOp<bool>
{
    private static readonly SqlText UpsertSql = new("""
        INSERT INTO nodes (id, last_seen, report) VALUES ($id, $now, $report)
        ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, report = excluded.report
        """);

    private static readonly SqlText ForgetSql = new("DELETE FROM nodes WHERE last_seen < $cutoff");

    public override bool Durable => false;

    public override void Execute(WriteContext context)
    {
        context.Sql[UpsertSql].Set("$id", report.Id).Set("$now", context.Now).Set("$report", NodeJson.Write(report)).Run();
        context.Sql[ForgetSql].Set("$cutoff", context.Now - (long)NodeHeartbeat.ForgetAfter.TotalMilliseconds).Run();
        Result = true;
    }
}
