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

    public RedisLease(RedisStore store, LeasedJob job)
    {
        _store = store;
        Job = job;
        store.Track(this);
    }

    public LeasedJob Job { get; }

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
            return EndAsync(JobScripts.DeadLetter, Job.Id, Token, ErrorKind.Exit.ToString().ToLowerInvariant(), refusal!, "", LogText.Cap(outcome.Log));
        return EndAsync(JobScripts.Ack, Job.Id, Token, result, outcome.ResultContentType ?? "application/octet-stream", LogText.Cap(outcome.Log));
    }

    public Task<bool> RetryAtAsync(DateTimeOffset runAt, AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var error = Error(outcome);
        return EndAsync(JobScripts.Retry, Job.Id, Token, UnixMs.From(runAt), error.KindName, error.Message, error.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", LogText.Cap(outcome.Log));
    }

    public Task<bool> DeadLetterAsync(AttemptOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var error = Error(outcome);
        return EndAsync(JobScripts.DeadLetter, Job.Id, Token, error.KindName, error.Message, error.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "", LogText.Cap(outcome.Log));
    }

    private static JobError Error(AttemptOutcome outcome) => outcome.Error ?? new JobError(ErrorKind.Crash, "failed without an error");

    private async Task<bool> EndAsync(RedisScript script, params StackExchange.Redis.RedisValue[] args)
    {
        bool recorded;
        try
        {
            recorded = await _store.CompleteAsync(script, args);
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
