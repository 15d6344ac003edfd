using Fjord.Core.Ledger;

namespace Fjord.Storage.Postgres;

/// <summary>
/// Tells one lease that its running job was canceled (<c>POST /v1/jobs/{id}/cancel</c> on any
/// node): the cancel already recorded the attempt and fenced the lease, so the holder only has to
/// kill the process. Dispose it when the lease ends.
/// </summary>
public sealed class LeaseCancelWatch : ILeaseCancelWatch
{
    private readonly IdWaiters _cancels;
    private readonly string _jobId;
    private readonly TaskCompletionSource _notice;
    // Not disposed: the token may still be linked into the attempt when the lease ends, and a
    // source without a timer holds nothing that needs freeing.
    private readonly CancellationTokenSource _canceled = new();

    internal LeaseCancelWatch(IdWaiters cancels, string jobId)
    {
        _cancels = cancels;
        _jobId = jobId;
        _notice = cancels.Add(jobId);
        // Continuations of the notice run off the listener's thread (RunContinuationsAsynchronously),
        // so killing the process never stalls the notices of other jobs.
        _notice.Task.ContinueWith(static (_, state) => ((CancellationTokenSource)state!).Cancel(), _canceled, CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Fires when the job was canceled while the lease held it.</summary>
    public CancellationToken Token => _canceled.Token;

    public void Dispose() => _cancels.Remove(_jobId, _notice);
}
