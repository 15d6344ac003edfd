namespace Fjord.Core.Schedules;

/// <summary>What a fire time does while the schedule's previous run is still ready or running.</summary>
public enum ScheduleOverlap
{
    /// <summary>No new run; the fire time is counted as skipped.</summary>
    Skip,

    /// <summary>The run waits and starts once the previous one ended; fire times passing meanwhile fold into it.</summary>
    Queue,

    /// <summary>A new run regardless.</summary>
    Allow,
}

/// <summary>What a gateway does, when it starts, with the fire times that passed while no gateway ran.</summary>
public enum ScheduleCatchUp
{
    /// <summary>Runs the latest of them once.</summary>
    Last,

    /// <summary>Runs none of them (one later than the grace is dropped).</summary>
    None,
}
