using System.Globalization;
using System.Text;
using System.Text.Json;
using Fjord.Core.Jobs;
using Fjord.Core.Schedules;
using Fjord.Gateway.Intake;

namespace Fjord.Gateway.Schedules;

/// <summary>
/// A schedule's runs through the gateway's one intake (<see cref="JobIntake"/>): the schedule's
/// payload, the trigger <c>{kind: schedule, name, context: {fireTime}}</c>, and for a fire time
/// its idempotency key with a lifetime that outlasts the gap to the next fire time.
/// </summary>
internal sealed class ScheduleJobs(JobIntake intake) : IScheduleIntake
{
    public async Task<ScheduleSubmit> SubmitAsync(string function, ScheduleSpec schedule, DateTimeOffset? fireAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(schedule);
        var payload = schedule.Payload ?? "";
        var context = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [fireAt is null ? "triggeredAt" : "fireTime"] = (fireAt ?? intake.Time.GetUtcNow()).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
        };
        var request = IntakeRequest.One(function, Encoding.UTF8.GetBytes(payload)) with
        {
            ContentType = IsJson(payload) ? "application/json" : "text/plain; charset=utf-8",
            IdempotencyKey = fireAt is { } at ? ScheduleKeys.IdempotencyKey(schedule.Name, at) : null,
            IdempotencyLifetime = fireAt is { } f ? ScheduleKeys.KeyLifetime(schedule, f) : null,
            Trigger = new JobTrigger { Kind = JobTrigger.Schedule, Name = schedule.Name, Context = context },
        };
        var outcome = await intake.SubmitAsync(request, cancellationToken);
        if (outcome is { Accepted: true, Jobs: [var job] })
            return new ScheduleSubmit(job.Id, job.Existing, false, null);
        return new ScheduleSubmit(null, false, outcome.Refusal?.Transient ?? true, outcome.Refusal?.Detail);
    }

    private static bool IsJson(string text)
    {
        if (text.Length == 0)
            return false;
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
