namespace Fjord.Core.Storage;

/// <summary>
/// What the store keeps of each schedule between fire times, shared by every gateway on it. The
/// job a fire time makes is deduplicated by its idempotency key (Fjord.Core.Schedules.ScheduleKeys);
/// this state only says how far the schedule got, so each write here is monotonic or
/// compare-and-set: two gateways recording one fire time, or a slow one recording an older fire
/// time, cannot move it back or count a skip twice.
/// </summary>
public interface IScheduleStore
{
    /// <summary>Every stored schedule state, of every function.</summary>
    Task<IReadOnlyList<ScheduleState>> ListScheduleStatesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// The schedule's state, created when missing with its cursor at <paramref name="now"/> (a new
    /// schedule does not catch up on times before it existed). A state kept under another
    /// <paramref name="signature"/> (the cron or zone changed) starts over from <paramref name="now"/>
    /// too, keeping its paused flag and counts: the old expression's times mean nothing to the new one.
    /// </summary>
    Task<ScheduleState> EnsureScheduleStateAsync(string function, string name, string signature, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// A fire time made (or found) its job: the cursor moves up to <paramref name="fireAt"/> (never
    /// back), and the last run becomes this one unless a later one is already recorded.
    /// </summary>
    Task RecordScheduleFireAsync(string function, string name, DateTimeOffset fireAt, string jobId, CancellationToken cancellationToken);

    /// <summary>A run made by hand (trigger): the last run and job, without moving the cursor.</summary>
    Task RecordScheduleTriggerAsync(string function, string name, DateTimeOffset at, string jobId, CancellationToken cancellationToken);

    /// <summary>
    /// A fire time passed without a run: the cursor moves to <paramref name="fireAt"/> when it was
    /// before it, and then only (true), counting a skip when <paramref name="skipped"/>. False
    /// means another gateway handled this fire time first.
    /// </summary>
    Task<bool> PassScheduleFireAsync(string function, string name, DateTimeOffset fireAt, bool skipped, CancellationToken cancellationToken);

    /// <summary>
    /// Pauses or resumes. Resuming moves the cursor to <paramref name="now"/>: the fire times of a
    /// pause are not caught up. False when the schedule has no state (never seen by a gateway).
    /// </summary>
    Task<bool> SetSchedulePausedAsync(string function, string name, bool paused, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Forgets the states of <paramref name="function"/>'s schedules not named in <paramref name="keep"/> (removed by a deploy, or the function deleted).</summary>
    Task ForgetSchedulesAsync(string function, IReadOnlyCollection<string> keep, CancellationToken cancellationToken);
}

/// <summary>
/// One schedule's shared state. <see cref="Cursor"/> is the latest fire time handled (run,
/// skipped or missed): the next one due is the first after it. <see cref="LastFireAt"/> and
/// <see cref="LastJobId"/> are the latest run, a hand trigger included.
/// </summary>
public sealed record ScheduleState(
    string Function,
    string Name,
    string Signature,
    bool Paused,
    DateTimeOffset Cursor,
    DateTimeOffset? LastFireAt,
    string? LastJobId,
    long Skipped);
