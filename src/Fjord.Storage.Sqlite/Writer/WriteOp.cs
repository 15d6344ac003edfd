namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// One caller's write, carried to the writer thread. The writer runs it inside the group's
/// transaction and completes it only after that transaction committed, so a caller that sees
/// success can rely on the write being on disk (with the group's sync level).
/// </summary>
internal abstract class WriteOp
{
    /// <summary>True when success is a promise to someone (a 202, a recorded outcome): the commit must be fsynced first.</summary>
    public abstract bool Durable { get; }

    /// <summary>
    /// Ops of several statements run inside a savepoint, so one failing op is rolled back alone
    /// and the others of its group still commit. Single-statement ops skip it: SQLite already
    /// applies one statement all or nothing.
    /// </summary>
    public virtual bool NeedsSavepoint => true;

    /// <summary>Rows this op writes, roughly: bounds how much one group takes on.</summary>
    public virtual int Weight => 1;

    public CancellationToken CancellationToken { get; init; }

    /// <summary>Set when the op failed on its own (its savepoint was rolled back).</summary>
    public Exception? Error { get; set; }

    public abstract void Execute(WriteContext context);

    public abstract void Complete();

    public abstract void Fail(Exception error);

    public abstract void Cancel();
}

/// <summary>An op whose caller awaits a result.</summary>
internal abstract class WriteOp<T> : WriteOp
{
    private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<T> Task => _done.Task;

    protected T Result { get; set; } = default!;

    public override void Complete() => _done.TrySetResult(Result);

    public override void Fail(Exception error) => _done.TrySetException(error);

    public override void Cancel() => _done.TrySetCanceled(CancellationToken);
}
