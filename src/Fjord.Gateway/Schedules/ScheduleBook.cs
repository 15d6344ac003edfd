using Fjord.Core.Schedules;
using Fjord.Core.Storage;
using Fjord.Gateway.Json;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Schedules;

/// <summary>What a hand command on a schedule did.</summary>
internal enum ScheduleCommandResult
{
    Done,
    UnknownSchedule,
    Refused,
}

/// <summary>
/// The schedules as people see and steer them: the API (<c>/v1/schedules</c>) and the dashboard
/// both come here after their own scope checks, so a pause is one thing whichever way it came.
/// </summary>
internal sealed class ScheduleBook(
    IFunctionStore functions,
    IScheduleStore states,
    ScheduleMetrics metrics,
    TimeProvider time,
    IScheduleIntake intake,
    ILogger<ScheduleBook> logger)
{
    /// <summary>Every schedule of the functions <paramref name="visible"/> lets through, with its state.</summary>
    public async Task<IReadOnlyList<ScheduleView>> ListAsync(Func<string, bool> visible, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(visible);
        var all = await functions.ListFunctionsAsync(ct);
        if (!all.Any(f => f.Spec.Schedules.Count > 0))
            return [];
        var stored = (await states.ListScheduleStatesAsync(ct)).ToDictionary(s => (s.Function, s.Name));
        var now = time.GetUtcNow();
        var views = new List<ScheduleView>();
        foreach (var function in all)
        {
            if (!visible(function.Spec.Name))
                continue;
            foreach (var schedule in function.Spec.Schedules)
            {
                var state = stored.TryGetValue((function.Spec.Name, schedule.Name), out var s) && s.Signature == ScheduleKeys.Signature(schedule) ? s : null;
                views.Add(View(function.Spec.Name, schedule, state, now));
            }
        }
        return views;
    }

    /// <summary>Runs the schedule now (overlap and pause do not apply to a hand trigger); the job id, or why not.</summary>
    public async Task<(ScheduleCommandResult Result, ScheduleSubmit Submit)> TriggerAsync(string function, string name, CancellationToken ct)
    {
        if (await FindAsync(function, name, ct) is not { } schedule)
            return (ScheduleCommandResult.UnknownSchedule, default);
        var submit = await intake.SubmitAsync(function, schedule, fireAt: null, ct);
        if (submit.JobId is not { } jobId)
            return (ScheduleCommandResult.Refused, submit);
        await EnsureAsync(function, schedule, ct);
        await states.RecordScheduleTriggerAsync(function, name, time.GetUtcNow(), jobId, ct);
        metrics.Fired(function, name);
        ScheduleLog.Changed(logger, function, name, "triggered by hand: job " + jobId);
        return (ScheduleCommandResult.Done, submit);
    }

    /// <summary>Pauses or resumes the schedule; its view afterwards, or null when there is no such schedule.</summary>
    public async Task<ScheduleView?> SetPausedAsync(string function, string name, bool paused, CancellationToken ct)
    {
        if (await FindAsync(function, name, ct) is not { } schedule)
            return null;
        await EnsureAsync(function, schedule, ct);
        await states.SetSchedulePausedAsync(function, name, paused, time.GetUtcNow(), ct);
        ScheduleLog.Changed(logger, function, name, paused ? "paused" : "resumed");
        var state = await EnsureAsync(function, schedule, ct);
        return View(function, schedule, state, time.GetUtcNow());
    }

    private async Task<ScheduleSpec?> FindAsync(string function, string name, CancellationToken ct) =>
        (await functions.GetFunctionAsync(function, ct))?.Spec.Schedules.FirstOrDefault(s => s.Name == name);

    private Task<ScheduleState> EnsureAsync(string function, ScheduleSpec schedule, CancellationToken ct) =>
        states.EnsureScheduleStateAsync(function, schedule.Name, ScheduleKeys.Signature(schedule), time.GetUtcNow(), ct);

    private static ScheduleView View(string function, ScheduleSpec schedule, ScheduleState? state, DateTimeOffset now)
    {
        var paused = state?.Paused ?? false;
        var from = state is { } s && s.Cursor > now ? s.Cursor : now;
        var doc = schedule.ToDocument();
        return new ScheduleView
        {
            Function = function,
            Name = schedule.Name,
            Cron = schedule.Cron,
            Timezone = schedule.TimeZone,
            Overlap = doc.Overlap!,
            CatchUp = doc.CatchUp!,
            Paused = paused,
            NextFireAt = paused ? null : schedule.NextAfter(from),
            LastFireAt = state?.LastFireAt,
            LastJobId = state?.LastJobId,
            Skipped = state?.Skipped ?? 0,
        };
    }
}
