using Fjord.Core.Storage;

namespace Fjord.Core.Schedules;

/// <summary>What a scheduler does with one schedule now.</summary>
public enum FireAction
{
    /// <summary>Nothing is due (or the schedule is paused); look again at <see cref="FirePlan.NextAt"/>.</summary>
    Wait,

    /// <summary>Run <see cref="FirePlan.FireAt"/> (overlap rules still apply).</summary>
    Fire,

    /// <summary>Drop <see cref="FirePlan.FireAt"/>: it passed while no gateway ran and the schedule says catchUp: none.</summary>
    Miss,
}

/// <summary>
/// The fire-time arithmetic of one look at a schedule, without a clock or a store of its own, so
/// tests drive it with any time. Due is the latest fire time after the state's cursor, up to now:
/// earlier ones after the cursor fold into it (after downtime that is catchUp: last; in a running
/// gateway it happens only when a fire took longer than the gap between fire times).
/// </summary>
public readonly record struct FirePlan(FireAction Action, DateTimeOffset? FireAt, DateTimeOffset? NextAt)
{
    /// <summary>
    /// How late a fire time may be found and still count as on time. A gateway restarted at a
    /// fire time, or one whose clock runs a little behind, still makes that run under catchUp: none.
    /// </summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(60);

    /// <param name="firstLook">
    /// This scheduler's first look at the schedule since it started: only then can a late fire
    /// time mean that no gateway ran (afterwards, a late one was waiting for its previous run, or
    /// for the store).
    /// </param>
    public static FirePlan Decide(ScheduleSpec spec, ScheduleState state, DateTimeOffset now, bool firstLook, TimeSpan grace)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(state);
        if (state.Paused)
            return new FirePlan(FireAction.Wait, null, null);
        var from = state.Cursor > now ? state.Cursor : now;
        if (spec.LatestIn(state.Cursor, now) is not { } due)
            return new FirePlan(FireAction.Wait, null, spec.NextAfter(from));
        if (firstLook && spec.CatchUp == ScheduleCatchUp.None && now - due > grace)
            return new FirePlan(FireAction.Miss, due, spec.NextAfter(from));
        return new FirePlan(FireAction.Fire, due, spec.NextAfter(from));
    }
}
