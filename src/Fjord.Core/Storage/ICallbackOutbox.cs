using Fjord.Core.Jobs;

namespace Fjord.Core.Storage;

/// <summary>
/// The callback outbox. A job with an <c>X-Callback-Url</c> gets an outbox row in the same
/// write that makes it terminal, so a callback can be late but never forgotten. A dispatcher
/// claims due rows (a short hold, so a crashed delivery comes due again: at least once), POSTs
/// them, and records each try with the time of the next one, or none when it is done.
/// </summary>
public interface ICallbackOutbox
{
    /// <summary>Takes up to <paramref name="max"/> due callbacks and holds them for <paramref name="hold"/>.</summary>
    Task<IReadOnlyList<PendingCallback>> ClaimDueCallbacksAsync(int max, TimeSpan hold, CancellationToken cancellationToken);

    /// <summary>Records one delivery try. <paramref name="nextTry"/> null ends the callback (delivered, or given up).</summary>
    Task RecordCallbackAsync(long callbackId, CallbackDelivery delivery, DateTimeOffset? nextTry, CancellationToken cancellationToken);
}

/// <summary>One callback to deliver: where, and the job's end it reports.</summary>
public sealed record PendingCallback(
    long Id,
    string JobId,
    string Url,
    JobStatus Status,
    int Attempt,
    JobError? Error,
    int Tries);

/// <summary>One delivery try: when, the HTTP status it got (null when there was no answer), and why it failed.</summary>
public sealed record CallbackDelivery(DateTimeOffset At, int? StatusCode, string? Error)
{
    public bool Delivered => StatusCode is >= 200 and < 300;
}
