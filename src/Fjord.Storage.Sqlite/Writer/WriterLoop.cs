using System.Threading.Channels;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// The one writer of the file, on its own thread with its own connection. Group commit:
/// <list type="number">
/// <item>take everything callers posted since the last commit (bounded);</item>
/// <item>choose the sync level: FULL if any of it is a promise, else NORMAL;</item>
/// <item>run every op in one transaction (each multi-statement op in its own savepoint, so a
///   failing op is rolled back alone), then reap expired leases when due, then serve fetches,
///   which thus see the work this very group added;</item>
/// <item>COMMIT once: one fsync for all of it;</item>
/// <item>only then complete each caller, hand out leases, wake waiters.</item>
/// </list>
/// Concurrent intakes therefore share one fsync, which is how a disk good for a few thousand
/// commits a second stores tens of thousands of jobs a second.
/// </summary>
internal sealed partial class WriterLoop
{
    private const int MaxGroupOps = 4096;
    private const int MaxGroupWeight = 20_000;

    private static readonly SqlText Begin = new("BEGIN IMMEDIATE");
    private static readonly SqlText Commit = new("COMMIT");
    private static readonly SqlText Rollback = new("ROLLBACK");
    private static readonly SqlText Savepoint = new("SAVEPOINT op");
    private static readonly SqlText ReleaseSavepoint = new("RELEASE op");
    private static readonly SqlText RollbackSavepoint = new("ROLLBACK TO op");
    private static readonly SqlText SyncFull = new("PRAGMA synchronous = FULL");
    private static readonly SqlText SyncNormal = new("PRAGMA synchronous = NORMAL");

    private readonly Channel<WriteOp> _channel = Channel.CreateUnbounded<WriteOp>(new UnboundedChannelOptions { SingleReader = true });
    private readonly List<WriteOp> _batch = [];
    private readonly Statements _sql;
    private readonly WriteContext _context;
    private readonly FetchDispatcher _fetches;
    private readonly EndWaiters _waiters;
    private readonly LiveLeases _leases = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _reapInterval;
    private readonly TimeSpan _quietCheckpoint;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private List<string> _reaped = [];
    private bool _fullSync = true;
    private volatile Exception? _fault;

    public WriterLoop(WriteContext context, EndWaiters waiters, SqliteStoreOptions options, ILogger logger)
    {
        _sql = context.Sql;
        _context = context;
        _waiters = waiters;
        _time = options.Time;
        _reapInterval = options.ReapInterval;
        _quietCheckpoint = options.QuietCheckpoint;
        _logger = logger;
        _fetches = new FetchDispatcher(job => new SqliteLease(this, job, _leases), GiveBack, logger);
        _thread = new Thread(Run) { IsBackground = true, Name = "fjord-sqlite-writer" };
        InitSpace();
    }

    /// <summary>Set when the loop died of a bug: nothing can be written until a restart.</summary>
    public Exception? Fault => _fault;

    public void Start() => _thread.Start();

    /// <summary>Hands an op to the writer and returns its completion.</summary>
    public Task<T> Post<T>(WriteOp<T> op)
    {
        Send(op);
        return op.Task;
    }

    public Task<IJobLease> Fetch(string function, string node, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var request = new FetchRequest(function, node, cancellationToken);
        Send(request);
        return request.Task;
    }

    private void Send(WriteOp op)
    {
        if (_channel.Writer.TryWrite(op))
            return;
        if (_fault is { } fault)
            throw new StoreUnavailableException("the store writer stopped", fault);
        throw new ObjectDisposedException(nameof(SqliteStore));
    }

    /// <summary>Stops taking writes, lets the writer finish what was posted, and waits for it.</summary>
    public Task StopAsync()
    {
        _channel.Writer.TryComplete();
        return _stopped.Task;
    }

    private void Run()
    {
        Task<bool>? waiting = null;
        var lastReap = _time.GetTimestamp();
        var closed = false;
        try
        {
            while (true)
            {
                Drain();
                var now = UnixMs.Now(_time);
                var reapDue = _time.GetElapsedTime(lastReap) >= _reapInterval;
                if (_batch.Count == 0 && !reapDue && !_fetches.HasWork(now))
                {
                    if (closed)
                        break;
                    WhenQuiet();
                    waiting ??= _channel.Reader.WaitToReadAsync().AsTask();
                    if (waiting.Wait(WaitTime(now, lastReap)))
                    {
                        closed = !waiting.Result;
                        waiting = null;
                    }
                    continue;
                }
                if (reapDue)
                    lastReap = _time.GetTimestamp();
                RunGroup(now, reapDue);
            }
        }
        catch (Exception ex)
        {
            _fault = ex;
            StoreLog.WriterCrashed(_logger, ex);
        }
        finally
        {
            Shutdown();
        }
    }

    private void Drain()
    {
        var weight = 0;
        while (_batch.Count < MaxGroupOps && weight < MaxGroupWeight && _channel.Reader.TryRead(out var op))
        {
            _batch.Add(op);
            weight += op.Weight;
        }
    }

    /// <summary>Sleep until the next reap or the next scheduled job of a parked fetch, whichever is first.</summary>
    private TimeSpan WaitTime(long now, long lastReap)
    {
        var wait = _reapInterval - _time.GetElapsedTime(lastReap);
        if (_fetches.NextDueAt() is { } due)
            wait = TimeSpan.FromMilliseconds(Math.Min(wait.TotalMilliseconds, due - now));
        return wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait;
    }

    private void RunGroup(long now, bool reapDue)
    {
        _context.Begin(now);
        // Fetches join the dispatcher before anything can fail: whatever happens to this
        // group, they stay parked and are served by a later one.
        foreach (var op in _batch)
        {
            if (op is FetchRequest fetch)
                _fetches.Add(fetch);
        }
        try
        {
            SetSync(AnyDurable());
            _sql[Begin].Run();
            foreach (var op in _batch)
            {
                if (op is FetchRequest)
                    continue;
                if (op.CancellationToken.IsCancellationRequested)
                    op.Error = new OperationCanceledException(op.CancellationToken);
                else
                    RunOne(op);
            }
            if (reapDue)
            {
                Reap();
                Reclaim();
            }
            _fetches.Serve(_context);
            _sql[Commit].Run();
        }
        catch (Exception ex)
        {
            Abort(now, ex);
            return;
        }

        _context.Committed();
        // Waiters first: a sync caller's answer is on the critical path, the acking worker's
        // continuation is not (every completion below is queued to the thread pool in order).
        _waiters.Signal(_context.Ended);
        foreach (var op in _batch)
        {
            if (op.Error is OperationCanceledException)
                op.Cancel();
            else if (op.Error is { } error)
                op.Fail(error);
            else
                op.Complete();
        }
        _fetches.Committed();
        if (WorkListener is { } listen)
            TellWork(listen);
        foreach (var function in _context.WakeNextGroup)
            _fetches.WakeNextRound(function);
        _leases.Cancel(_context.CanceledLeases);
        foreach (var id in _reaped)
            StoreLog.LeaseExpired(_logger, id);
        AfterGroup(_batch.Count > 0 || _reaped.Count > 0);
        _reaped = [];
        _context.Reset();
        _batch.Clear();
    }

    /// <summary>
    /// Durability by promise. WAL appends every commit to one log in order, so a later FULL
    /// commit's fsync also makes every earlier NORMAL commit durable. Taking, renewing and
    /// releasing a lease promise nobody anything (if lost in a crash, the job is found running
    /// at the next open and taken back), so a group of only those may skip the fsync; any group
    /// holding an enqueue, an ack, a retry, a dead letter, a cancel or a function/key write
    /// commits FULL before any caller hears "done".
    /// </summary>
    private void SetSync(bool full)
    {
        if (full == _fullSync)
            return;
        _sql[full ? SyncFull : SyncNormal].Run();
        _fullSync = full;
    }

    private bool AnyDurable()
    {
        foreach (var op in _batch)
        {
            if (op.Durable)
                return true;
        }
        return false;
    }

    private void RunOne(WriteOp op)
    {
        var mark = _context.Mark();
        var savepoint = op.NeedsSavepoint;
        if (savepoint)
            _sql[Savepoint].Run();
        try
        {
            op.Execute(_context);
            if (savepoint)
                _sql[ReleaseSavepoint].Run();
        }
        catch (Exception ex) when (!SqliteErrors.IsStoreFailure(ex))
        {
            // This op alone is wrong (queue full, duplicate id): undo it, keep the group.
            if (savepoint)
            {
                _sql[RollbackSavepoint].Run();
                _sql[ReleaseSavepoint].Run();
            }
            _context.Undo(mark);
            op.Error = ex;
        }
    }

    private void Reap()
    {
        var mark = _context.Mark();
        _sql[Savepoint].Run();
        try
        {
            _reaped = Reaper.ReapExpired(_context);
            Reaper.SweepIdempotencyKeys(_context);
            _sql[ReleaseSavepoint].Run();
        }
        catch (Exception ex) when (!SqliteErrors.IsStoreFailure(ex))
        {
            _sql[RollbackSavepoint].Run();
            _sql[ReleaseSavepoint].Run();
            _context.Undo(mark);
            _reaped = [];
            StoreLog.ReapFailed(_logger, ex);
        }
        _fetches.PruneCanceled();
    }
}
