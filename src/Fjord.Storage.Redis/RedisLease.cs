using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Fjord.Core.Storage;

namespace Fjord.Storage.Redis;

/// <summary>
/// One claimed attempt. The token is the job hash's <c>tok</c>, from INCR: every completing script
/// checks it, so an owner whose lease ran out cannot finish an attempt handed to someone else.
/// A cancel from any node is heard on the cancel channel; the next refused renewal is the fallback.
/// </summary>
internal sealed class RedisLease : IJobLease
{
    private readonly RedisStore _store;
    private readonly CancellationTokenSource _canceled = new();
    private int _ended;
    private volatile bool _completionFailed;
    private int _running = 1;

    public RedisLease(RedisStore store, LeasedJob job)
    {
        _store = store;
        Job = job;
        store.Track(this);
    }

    public LeasedJob Job { get; }

    /// <summary>When this node got the job (Stopwatch ticks): how long it has run, for the completion hold.</summary>
    internal long ClaimedAt { get; } = System.Diagnostics.Stopwatch.GetTimestamp();

    /// <summary>Still running here: no completion or release sent yet.</summary>
    internal bool Running => Volatile.Read(ref _running) == 1;

    public CancellationToken Canceled => _canceled.Token;

    internal void TellCanceled()
    {
        try
        {
            _canceled.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private string Token => Job.LeaseToken.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public Task<bool> RenewAsync(CancellationToken cancellationToken) =>
        _store.CompleteAsync(JobScripts.Renew, Job.Id, Token, _store.LeaseMs);

    public Task<bool> AckAsync(AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (_store.StoredResult(outcome.Result ?? [], out var refusal) is not { } result)
            return FailAsync("", outcome with { Error = new JobError(ErrorKind.Exit, refusal!) });
        return EndAsync(["a", Job.Id, Token, result, outcome.ResultContentType ?? "application/octet-stream", LogText.Cap(outcome.Log)]);
    }

    public Task<bool> RetryAtAsync(DateTimeOffset runAt, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return FailAsync(UnixMs.From(runAt), outcome);
    }

    public Task<bool> DeadLetterAsync(AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        return FailAsync("", outcome);
    }

    /// <summary>A failed attempt: retried at <paramref name="runAt"/>, or with "" dead-lettered.</summary>
    private Task<bool> FailAsync(StackExchange.Redis.RedisValue runAt, AttemptOutcome outcome)
    {
        var error = outcome.Error ?? new JobError(ErrorKind.Crash, "failed without an error");
        return EndAsync(["f", Job.Id, Token, runAt, error.KindName, error.Message, error.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", LogText.Cap(outcome.Log)]);
    }

    private async Task<bool> EndAsync(StackExchange.Redis.RedisValue[] item)
    {
        bool recorded;
        if (Interlocked.Exchange(ref _running, 0) == 1)
            _store.Ran(System.Diagnostics.Stopwatch.GetTimestamp() - ClaimedAt);
        try
        {
            recorded = await _store.EndAsync(item);
        }
        catch
        {
            // The attempt ran: dispose takes it back counted (or the reaper does when the lease runs out).
            _completionFailed = true;
            throw;
        }
        Volatile.Write(ref _ended, 1);
        _store.Untrack(this);
        return recorded;
    }

    /// <summary>Not completed: back to waiting at once, uncounted unless a completion was tried (then the attempt ran).</summary>
    public async ValueTask DisposeAsync()
    {
        _store.Untrack(this);
        if (Interlocked.Exchange(ref _ended, 1) == 0)
        {
            Volatile.Write(ref _running, 0);
            try
            {
                if (_completionFailed)
                    await _store.CompleteAsync(JobScripts.TakeBackRan, Job.Id, Token, TakeBackReasons.OutcomeNotRecorded);
                else
                    await _store.CompleteAsync(JobScripts.Release, Job.Id, Token);
            }
            catch (StoreUnavailableException)
            {
                // Redis is unreachable: the reaper takes the job back when its lease runs out.
            }
        }
        _canceled.Dispose();
    }
}
