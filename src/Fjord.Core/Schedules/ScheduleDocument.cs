namespace Fjord.Core.Schedules;

/// <summary>
/// One entry of a function's <c>schedules</c> in fjord.yml or the JSON spec: everything optional
/// here; <see cref="ScheduleSpec.Parse"/> applies the defaults and names what is wrong.
/// </summary>
public sealed class ScheduleDocument
{
    public string? Name { get; set; }

    /// <summary>Five fields (minute to day of week), six with seconds first, or a macro like <c>@daily</c>.</summary>
    public string? Cron { get; set; }

    /// <summary>An IANA time zone (<c>Europe/Oslo</c>); default UTC.</summary>
    public string? Timezone { get; set; }

    /// <summary>The body of every job the schedule makes (UTF-8 text, often JSON).</summary>
    public string? Payload { get; set; }

    /// <summary><c>skip</c> (default), <c>queue</c> or <c>allow</c>.</summary>
    public string? Overlap { get; set; }

    /// <summary><c>last</c> (default) or <c>none</c>.</summary>
    public string? CatchUp { get; set; }
}
