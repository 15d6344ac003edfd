using Fjord.Core.Queue;
using Microsoft.Extensions.Logging;

namespace Fjord.Storage.Sqlite.Writer;

/// <summary>
/// Serves fetches inside the writer's group. Fetches of one function are answered together by
/// one claiming UPDATE; those that find nothing are parked under their function and tried again
/// only when a commit brings that function due work (an enqueue, a retry, a release, a resume,
/// a reaped lease) or when the earliest scheduled job of the function comes due. No polling.
/// Leases are handed out only after the claim committed: a worker never runs a job whose claim
/// could still roll back.
/// </summary>
internal sealed class FetchDispatcher(Func<LeasedJob, IJobLease> createLease, Action<LeasedJob> giveBack, ILogger logger)
{
    private sealed class Parked
    {
        public List<FetchRequest> Requests { get; } = [];

        public long? NextDue { get; set; }
    }

    private const long RetryAfterFailureMs = 1000;
    private const long MinRecheckMs = 50;

    private static readonly SqlText Savepoint = new("SAVEPOINT serve");
    private static readonly SqlText ReleaseSavepoint = new("RELEASE serve");
    private static readonly SqlText RollbackSavepoint = new("ROLLBACK TO serve");

    private readonly Dictionary<string, Parked> _parked = new(StringComparer.Ordinal);
    private readonly HashSet<string> _serve = new(StringComparer.Ordinal);
    private readonly List<(FetchRequest Request, LeasedJob Job)> _claimed = [];
    private readonly List<FetchRequest> _batch = [];

    public void Add(FetchRequest request)
    {
        if (!_parked.TryGetValue(request.Function, out var parked))
            _parked[request.Function] = parked = new Parked();
        parked.Requests.Add(request);
        _serve.Add(request.Function);
    }

    /// <summary>After a commit that changed what a function may hand out (resume, new spec).</summary>
    public void WakeNextRound(string function)
    {
        if (_parked.ContainsKey(function))
            _serve.Add(function);
    }

    public bool HasWork(long now)
    {
        if (_serve.Count > 0)
            return true;
        foreach (var parked in _parked.Values)
        {
            if (parked.NextDue <= now)
                return true;
        }
        return false;
    }

    /// <summary>When the earliest parked fetch should look again (a scheduled job coming due).</summary>
    public long? NextDueAt()
    {
        long? earliest = null;
        foreach (var parked in _parked.Values)
        {
            if (parked.NextDue is { } due && (earliest is null || due < earliest))
                earliest = due;
        }
        return earliest;
    }

    /// <summary>Runs the round inside the open transaction, after the group's writes, so it sees them.</summary>
    public void Serve(WriteContext context)
    {
        foreach (var function in context.Wake)
            WakeNextRound(function);
        foreach (var (function, runAt) in context.Later)
        {
            if (_parked.TryGetValue(function, out var parked))
                parked.NextDue = Math.Min(parked.NextDue ?? long.MaxValue, runAt);
        }
        foreach (var (function, parked) in _parked)
        {
            if (parked.NextDue <= context.Now)
            {
                parked.NextDue = null;
                _serve.Add(function);
            }
        }

        foreach (var function in _serve)
        {
            if (!_parked.TryGetValue(function, out var parked))
                continue; // every fetch of it was cancelled and pruned
            parked.Requests.RemoveAll(static r => r.IsCanceled);
            if (parked.Requests.Count == 0)
            {
                _parked.Remove(function);
                continue;
            }
            var info = context.Functions.Find(function);
            if (info is { Paused: true })
                continue; // a resume wakes it
            ServeIsolated(context, function, parked, info);
        }
        _serve.Clear();
    }

    /// <summary>
    /// A function's round runs in its own savepoint: should it fail on its own, its claims roll
    /// back, its fetches wait again, and the group's other writes (someone's 202) still commit.
    /// </summary>
    private void ServeIsolated(WriteContext context, string function, Parked parked, FunctionInfo? info)
    {
        var mark = context.Mark();
        var claimed = _claimed.Count;
        context.Sql[Savepoint].Run();
        try
        {
            ServeFunction(context, function, parked, info);
            context.Sql[ReleaseSavepoint].Run();
        }
        catch (Exception ex) when (!SqliteErrors.IsStoreFailure(ex))
        {
            context.Sql[RollbackSavepoint].Run();
            context.Sql[ReleaseSavepoint].Run();
            context.Undo(mark);
            for (var i = claimed; i < _claimed.Count; i++)
                parked.Requests.Insert(0, _claimed[i].Request);
            _claimed.RemoveRange(claimed, _claimed.Count - claimed);
            parked.NextDue = context.Now + RetryAfterFailureMs;
            StoreLog.ServeFailed(logger, function, ex);
        }
    }

    private void ServeFunction(WriteContext context, string function, Parked parked, FunctionInfo? info)
    {
        var cutoff = long.MinValue;
        if (info?.MaxAge is { } maxAge)
        {
            cutoff = context.Now - (long)maxAge.TotalMilliseconds;
            Claims.ExpireHead(context, function, cutoff, parked.Requests.Count);
        }

        var exhausted = false;
        while (parked.Requests.Count > 0 && !exhausted)
        {
            // Usually one node asks (the embedded store serves one process); group by node anyway,
            // because the node is written into the claimed rows.
            var node = parked.Requests[0].Node;
            _batch.Clear();
            foreach (var request in parked.Requests)
            {
                if (request.Node == node)
                    _batch.Add(request);
            }
            var jobs = Claims.Claim(context, function, node, _batch.Count, cutoff);
            for (var i = 0; i < jobs.Count; i++)
            {
                _claimed.Add((_batch[i], jobs[i]));
                parked.Requests.Remove(_batch[i]);
            }
            exhausted = jobs.Count < _batch.Count;
        }
        if (parked.Requests.Count > 0 && Claims.NextDue(context, function) is { } due)
        {
            // Everything due was claimed, so the earliest waiting job lies ahead. The only jobs
            // "due" yet unclaimed are expired ones left for the next expiry pass: look again
            // shortly, never in a tight loop.
            parked.NextDue = Math.Max(due, context.Now + MinRecheckMs);
        }
    }

    /// <summary>The claims are on disk: hand out the leases. A fetch cancelled meanwhile gives its job back.</summary>
    public void Committed()
    {
        foreach (var (request, job) in _claimed)
        {
            if (!request.TryDeliver(() => createLease(job)))
                giveBack(job);
        }
        _claimed.Clear();
    }

    /// <summary>The group rolled back, its claims with it: the fetches wait again and retry shortly.</summary>
    public void RolledBack(long now)
    {
        foreach (var (request, _) in _claimed)
        {
            if (!_parked.TryGetValue(request.Function, out var parked))
                _parked[request.Function] = parked = new Parked();
            parked.Requests.Insert(0, request);
        }
        _claimed.Clear();
        foreach (var parked in _parked.Values)
        {
            if (parked.Requests.Count > 0)
                parked.NextDue = Math.Min(parked.NextDue ?? long.MaxValue, now + RetryAfterFailureMs);
        }
        _serve.Clear();
    }

    /// <summary>Drops parked fetches whose callers gave up, so a quiet function does not collect them.</summary>
    public void PruneCanceled()
    {
        List<string>? empty = null;
        foreach (var (function, parked) in _parked)
        {
            parked.Requests.RemoveAll(static r => r.IsCanceled);
            if (parked.Requests.Count == 0)
                (empty ??= []).Add(function);
        }
        foreach (var function in empty ?? [])
            _parked.Remove(function);
    }

    public void FailAll(Exception error)
    {
        foreach (var parked in _parked.Values)
        {
            foreach (var request in parked.Requests)
                request.Fail(error);
        }
        _parked.Clear();
        _serve.Clear();
    }
}
