using Fjord.Core.Schedules;

namespace Fjord.Gateway.Schedules;

/// <summary>What became of one run a schedule asked intake for.</summary>
internal readonly record struct ScheduleSubmit(string? JobId, bool Existing, bool Transient, string? Refusal)
{
    public bool Accepted => JobId is not null;
}

/// <summary>
/// How a schedule's run becomes a job: through the gateway's one intake service, with the
/// schedule's payload, the trigger <c>{kind: schedule, name}</c> and, for a fire time, its
/// idempotency key (<see cref="ScheduleKeys"/>). A hand trigger (no fire time) has no key.
/// </summary>
internal interface IScheduleIntake
{
    Task<ScheduleSubmit> SubmitAsync(string function, ScheduleSpec schedule, DateTimeOffset? fireAt, CancellationToken cancellationToken);
}
