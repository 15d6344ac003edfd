namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// The writer's view of the group it is committing: the clock reading of the group, the
/// prepared statements, the in-memory state, and the effects that may only be applied once the
/// transaction is on disk (waking parked fetches, telling waiters a job ended). Ops record
/// effects here; a rolled-back op or group takes them back.
/// </summary>
internal sealed class WriteContext(Statements sql, TimeSpan leaseDuration, LeaseTokens tokens)
{
    public Statements Sql { get; } = sql;

    /// <summary>The group's clock reading (Unix ms): every row of the group agrees on "now".</summary>
    public long Now { get; private set; }

    public TimeSpan LeaseDuration { get; } = leaseDuration;

    public LeaseTokens Tokens { get; } = tokens;

    public FunctionCatalog Functions { get; } = new();

    public QueueDepths Depths { get; } = new();

    /// <summary>Functions that got due work in this transaction: their parked fetches try again within it.</summary>
    public List<string> Wake { get; } = [];

    /// <summary>Functions that got work due later: parked fetches set their timers.</summary>
    public List<(string Function, long RunAt)> Later { get; } = [];

    /// <summary>Jobs that reached a terminal status: their waiters are told after the commit.</summary>
    public List<EndedJob> Ended { get; } = [];

    /// <summary>Running jobs canceled in this transaction: their live leases are told after the commit.</summary>
    public List<(string JobId, long Token)> CanceledLeases { get; } = [];

    /// <summary>Changes to in-memory state that must follow the commit (catalog edits).</summary>
    public List<Action> AfterCommit { get; } = [];

    /// <summary>Functions whose parked fetches should try again in the next group (e.g. a resume).</summary>
    public List<string> WakeNextGroup { get; } = [];

    public void Begin(long now) => Now = now;

    public EffectMark Mark() => new(Wake.Count, Later.Count, Ended.Count, AfterCommit.Count, WakeNextGroup.Count, Depths.JournalCount, CanceledLeases.Count);

    public void Undo(EffectMark mark)
    {
        Truncate(Wake, mark.Wake);
        Truncate(Later, mark.Later);
        Truncate(Ended, mark.Ended);
        Truncate(AfterCommit, mark.AfterCommit);
        Truncate(WakeNextGroup, mark.WakeNextGroup);
        Truncate(CanceledLeases, mark.CanceledLeases);
        Depths.UndoTo(mark.Depths);
    }

    public void Committed()
    {
        Depths.Commit();
        Tokens.Commit();
        foreach (var action in AfterCommit)
            action();
    }

    public void RolledBack()
    {
        Undo(default);
        Tokens.Rollback();
    }

    /// <summary>Forgets the group's effects once they were applied (or abandoned).</summary>
    public void Reset()
    {
        Wake.Clear();
        Later.Clear();
        Ended.Clear();
        AfterCommit.Clear();
        WakeNextGroup.Clear();
        CanceledLeases.Clear();
    }

    private static void Truncate<T>(List<T> list, int count)
    {
        if (list.Count > count)
            list.RemoveRange(count, list.Count - count);
    }
}

internal readonly record struct EffectMark(int Wake, int Later, int Ended, int AfterCommit, int WakeNextGroup, int Depths, int CanceledLeases);
