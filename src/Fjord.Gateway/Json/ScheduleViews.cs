namespace Fjord.Gateway.Json;

/// <summary>One schedule as <c>GET /v1/schedules</c> shows it: its spec and its shared state.</summary>
internal sealed class ScheduleView
{
    public required string Function { get; init; }
    public required string Name { get; init; }
    public required string Cron { get; init; }
    public required string Timezone { get; init; }
    public required string Overlap { get; init; }
    public required string CatchUp { get; init; }
    public bool Paused { get; init; }

    /// <summary>Null while paused (or when the expression never fires again).</summary>
    public DateTimeOffset? NextFireAt { get; init; }
    public DateTimeOffset? LastFireAt { get; init; }
    public string? LastJobId { get; init; }
    public long Skipped { get; init; }
}

internal sealed class ScheduleList
{
    public required IReadOnlyList<ScheduleView> Schedules { get; init; }
}
