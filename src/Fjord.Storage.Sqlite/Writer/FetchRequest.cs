using Fjord.Core.Queue;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// A worker slot waiting for a job. It travels to the writer like a write (the claim is one),
/// and waits there, parked under its function, until a commit brings due work.
/// Cancellation and hand-out race for one state flag: whichever wins decides. A job claimed for
/// a fetch that was cancelled meanwhile is released back to the queue, never dropped.
/// </summary>
internal sealed class FetchRequest : WriteOp
{
    private const int Pending = 0;
    private const int Taken = 1;
    private const int Canceled = 2;

    private readonly TaskCompletionSource<IJobLease> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenRegistration _registration;
    private int _state;

    public FetchRequest(string function, string node, CancellationToken cancellationToken)
    {
        Function = function;
        Node = node;
        CancellationToken = cancellationToken;
        _registration = cancellationToken.Register(static self => ((FetchRequest)self!).OnCanceled(), this);
    }

    public string Function { get; }

    public string Node { get; }

    public Task<IJobLease> Task => _done.Task;

    public bool IsCanceled => Volatile.Read(ref _state) == Canceled;

    public override bool Durable => false;

    public override bool NeedsSavepoint => false;

    public override void Execute(WriteContext context) => throw new NotSupportedException("fetches are served by the dispatcher");

    /// <summary>Hands out a lease; false when the fetch was cancelled first (the caller must give the job back).</summary>
    public bool TryDeliver(Func<IJobLease> lease)
    {
        if (Interlocked.CompareExchange(ref _state, Taken, Pending) != Pending)
            return false;
        _registration.Dispose();
        _done.TrySetResult(lease());
        return true;
    }

    public override void Complete()
    {
    }

    public override void Fail(Exception error)
    {
        if (Interlocked.CompareExchange(ref _state, Taken, Pending) == Pending)
        {
            _registration.Dispose();
            _done.TrySetException(error);
        }
    }

    public override void Cancel() => OnCanceled();

    private void OnCanceled()
    {
        if (Interlocked.CompareExchange(ref _state, Canceled, Pending) == Pending)
            _done.TrySetCanceled(CancellationToken);
    }
}
