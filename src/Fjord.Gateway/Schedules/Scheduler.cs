using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Schedules;
using Fjord.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Gateway.Schedules;

/// <summary>
/// Runs every function's schedules; every gateway runs one (`fjord up` and each `fjord gateway`).
/// The story of one fire time F:
/// 1. The scheduler wakes at F by its own clock (<see cref="TimeProvider"/>; the cron arithmetic
///    is <see cref="FirePlan"/>), reads the schedule's shared state and finds F due: the latest
///    fire time after the state's cursor.
/// 2. Overlap: while the previous run is ready or running, <c>skip</c> passes F (a compare-and-set
///    of the cursor, so a skip is counted once however many gateways decide it) and <c>queue</c>
///    looks again shortly without passing it.
/// 3. Otherwise it asks intake for the job with F's idempotency key. Every gateway that gets here
///    for F (several on one store, one restarted at F, one whose clock is a second behind) names
///    the same key, and the store lets one job through: the others get that job's id back.
/// 4. Only then does it record F in the state (the cursor moves up, never back). A crash between
///    3 and 4 leaves F due for the next look, which finds F's job by its key: exactly one job.
/// </summary>
internal sealed class Scheduler(
    IFunctionStore functions,
    IScheduleStore states,
    IJobStore jobs,
    ScheduleMetrics metrics,
    TimeProvider time,
    IScheduleIntake intake,
    ILogger<Scheduler> logger) : BackgroundService
{
    /// <summary>How often specs are read again (deploys on other gateways, pauses) and the longest sleep.</summary>
    public TimeSpan Refresh { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How soon a waiting run (overlap: queue) or a refused one looks again.</summary>
    public TimeSpan Recheck { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan Grace { get; init; } = FirePlan.DefaultGrace;

    private readonly HashSet<(string, string)> _seen = [];
    private IReadOnlyList<FunctionState>? _functions;
    private DateTimeOffset _loadedAt;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                TimeSpan delay;
                try
                {
                    var wake = await TickAsync(stoppingToken);
                    delay = wake - time.GetUtcNow();
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    ScheduleLog.StoreFailed(logger, e);
                    delay = Refresh;
                }
                // Timers may wake a hair early; a fire time is due only once the clock reached it.
                delay = delay < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : delay > Refresh ? Refresh : delay;
                await Task.Delay(delay, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One look at every schedule; returns when the next look is due.</summary>
    public async Task<DateTimeOffset> TickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_functions is null || now - _loadedAt >= Refresh)
        {
            _functions = await functions.ListFunctionsAsync(cancellationToken);
            _loadedAt = now;
        }
        var wake = now + Refresh;
        if (!_functions.Any(f => f.Spec.Schedules.Count > 0))
            return wake;

        var stored = (await states.ListScheduleStatesAsync(cancellationToken)).ToDictionary(s => (s.Function, s.Name));
        foreach (var function in _functions)
        {
            foreach (var schedule in function.Spec.Schedules)
            {
                var key = (function.Spec.Name, schedule.Name);
                var signature = ScheduleKeys.Signature(schedule);
                if (!stored.TryGetValue(key, out var state) || state.Signature != signature)
                    state = await states.EnsureScheduleStateAsync(key.Item1, key.Item2, signature, now, cancellationToken);
                var plan = FirePlan.Decide(schedule, state, now, firstLook: _seen.Add(key), Grace);
                var next = await ActAsync(function.Spec, schedule, state, plan, now, cancellationToken);
                if (next < wake)
                    wake = next;
            }
        }
        return wake;
    }

    private async Task<DateTimeOffset> ActAsync(FunctionSpec function, ScheduleSpec schedule, ScheduleState state, FirePlan plan, DateTimeOffset now, CancellationToken ct)
    {
        var next = plan.NextAt ?? now + Refresh;
        if (plan is not { FireAt: { } fireAt })
            return next;
        var name = function.Name;
        if (plan.Action == FireAction.Miss)
        {
            if (await states.PassScheduleFireAsync(name, schedule.Name, fireAt, skipped: false, ct))
            {
                metrics.Skipped(name, schedule.Name, "missed");
                ScheduleLog.Missed(logger, name, schedule.Name, fireAt);
            }
            return next;
        }

        if (schedule.Overlap != ScheduleOverlap.Allow && state.LastJobId is { } previous
            && await jobs.GetJobAsync(previous, ct) is { Status: JobStatus.Queued or JobStatus.Scheduled or JobStatus.Running } running)
        {
            if (schedule.Overlap == ScheduleOverlap.Queue)
                return now + Recheck;
            if (await states.PassScheduleFireAsync(name, schedule.Name, fireAt, skipped: true, ct))
            {
                metrics.Skipped(name, schedule.Name, "previous_running");
                ScheduleLog.Skipped(logger, name, schedule.Name, fireAt, previous, running.Status.ToWire());
            }
            return next;
        }

        var submit = await intake.SubmitAsync(name, schedule, fireAt, ct);
        if (submit is { JobId: { } jobId })
        {
            await states.RecordScheduleFireAsync(name, schedule.Name, fireAt, jobId, ct);
            if (!submit.Existing)
            {
                metrics.Fired(name, schedule.Name);
                ScheduleLog.Fired(logger, name, schedule.Name, fireAt, jobId);
            }
            return next;
        }
        ScheduleLog.Refused(logger, name, schedule.Name, fireAt, submit.Refusal ?? "refused");
        // A full queue or an unreachable store may pass; a refusal that never will (the payload is
        // too large for this gateway) must not be retried every second forever.
        if (submit.Transient)
            return now + Recheck;
        await states.PassScheduleFireAsync(name, schedule.Name, fireAt, skipped: false, ct);
        return next;
    }
}
