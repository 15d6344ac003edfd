using System.Text;
using Cronos;
using Fjord.Core.Functions;

namespace Fjord.Core.Schedules;

/// <summary>
/// A validated schedule of one function (CONTRACT §6): a cron expression read in a time zone,
/// the payload of every run, and what overlapping runs and missed fire times do. Cron arithmetic
/// is Cronos' (the parser Hangfire uses), DST included: a fire time inside a spring-forward gap
/// runs at the moment the clock jumps; in the autumn overlap a fixed time runs once, an interval
/// (<c>*/15</c> in the hour field) runs in both hours.
/// </summary>
public sealed record ScheduleSpec
{
    /// <summary>More would be a sign of a schedule per customer: that belongs in a job queue, not in a spec.</summary>
    public const int MaxPerFunction = 32;

    /// <summary>The payload lives in the spec (and every gateway's cache of it): kept small.</summary>
    public const int MaxPayloadBytes = 64 * 1024;

    private ScheduleSpec(CronExpression expression, TimeZoneInfo zone)
    {
        Expression = expression;
        Zone = zone;
    }

    public required string Name { get; init; }

    /// <summary>As written; <see cref="Expression"/> is its parsed form.</summary>
    public required string Cron { get; init; }

    /// <summary>The time zone's id as written (default <c>UTC</c>).</summary>
    public required string TimeZone { get; init; }

    public string? Payload { get; init; }
    public ScheduleOverlap Overlap { get; init; }
    public ScheduleCatchUp CatchUp { get; init; }

    public CronExpression Expression { get; }

    public TimeZoneInfo Zone { get; }

    /// <summary>The first fire time strictly after <paramref name="time"/>; null when the expression never fires again.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset time) =>
        Expression.GetNextOccurrence(time.ToUniversalTime(), Zone) is { } next ? next.ToUniversalTime() : null;

    /// <summary>
    /// The latest fire time in (<paramref name="after"/>, <paramref name="until"/>], or null.
    /// Cronos only counts forward, so the window grows back from <paramref name="until"/> in
    /// doubling steps: a gateway down for a week looks at a handful of fire times of an every-second
    /// schedule, not at 600,000 of them.
    /// </summary>
    public DateTimeOffset? LatestIn(DateTimeOffset after, DateTimeOffset until)
    {
        if (until <= after)
            return null;
        var span = TimeSpan.FromSeconds(1);
        while (true)
        {
            var from = until - span;
            var bounded = from <= after;
            if (bounded)
                from = after;
            DateTimeOffset? latest = null;
            for (var at = NextAfter(from); at is { } t && t <= until; at = NextAfter(t))
                latest = t;
            if (latest is not null || bounded)
                return latest;
            span *= 2;
        }
    }

    /// <summary>Applies defaults and validates; errors name the field (<c>schedules[0].cron</c>).</summary>
    public static ScheduleSpec? Parse(ScheduleDocument? doc, int index, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        var field = $"schedules[{index}]";
        if (doc is null)
        {
            errors.Add($"{field} is empty");
            return null;
        }
        var before = errors.Count;
        if (!FunctionSpec.IsValidName(doc.Name))
            errors.Add($"{field}.name '{doc.Name}' must be 1-63 lower-case letters, digits or inner dashes");

        CronExpression? expression = null;
        if (string.IsNullOrWhiteSpace(doc.Cron))
        {
            errors.Add($"{field}.cron is required (like \"0 3 * * *\", or six fields with seconds first)");
        }
        else
        {
            // Five fields are standard cron; six put seconds first (Cronos' IncludeSeconds).
            var fields = doc.Cron.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            try
            {
                expression = CronExpression.Parse(doc.Cron.Trim(), fields == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);
            }
            catch (CronFormatException e)
            {
                errors.Add($"{field}.cron '{doc.Cron}' is not a cron expression: {e.Message}");
            }
        }

        var zoneId = string.IsNullOrWhiteSpace(doc.Timezone) ? "UTC" : doc.Timezone.Trim();
        TimeZoneInfo? zone = null;
        try
        {
            zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            errors.Add($"{field}.timezone '{doc.Timezone}' is not a known time zone (an IANA name like Europe/Oslo)");
        }

        if (doc.Payload is { } payload && Encoding.UTF8.GetByteCount(payload) > MaxPayloadBytes)
            errors.Add($"{field}.payload is larger than {MaxPayloadBytes} bytes");

        var overlap = ScheduleOverlap.Skip;
        if (doc.Overlap is not null && !TryParse(doc.Overlap, out overlap))
            errors.Add($"{field}.overlap '{doc.Overlap}' must be skip, queue or allow");
        var catchUp = ScheduleCatchUp.Last;
        if (doc.CatchUp is not null && !TryParse(doc.CatchUp, out catchUp))
            errors.Add($"{field}.catchUp '{doc.CatchUp}' must be last or none");

        if (errors.Count > before || expression is null || zone is null)
            return null;
        return new ScheduleSpec(expression, zone)
        {
            Name = doc.Name!,
            Cron = doc.Cron!.Trim(),
            TimeZone = zoneId,
            Payload = doc.Payload,
            Overlap = overlap,
            CatchUp = catchUp,
        };
    }

    /// <summary>Every schedule of a function: each valid, names unique, at most <see cref="MaxPerFunction"/>.</summary>
    public static IReadOnlyList<ScheduleSpec> ParseAll(IReadOnlyList<ScheduleDocument?>? docs, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (docs is null || docs.Count == 0)
            return [];
        if (docs.Count > MaxPerFunction)
            errors.Add($"schedules holds {docs.Count} entries; at most {MaxPerFunction}");
        var parsed = new List<ScheduleSpec>(docs.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < docs.Count; i++)
        {
            if (Parse(docs[i], i, errors) is not { } schedule)
                continue;
            if (!names.Add(schedule.Name))
                errors.Add($"schedules[{i}].name '{schedule.Name}' is used twice");
            parsed.Add(schedule);
        }
        return parsed;
    }

    public ScheduleDocument ToDocument() => new()
    {
        Name = Name,
        Cron = Cron,
        Timezone = TimeZone,
        Payload = Payload,
        Overlap = Overlap.ToString().ToLowerInvariant(),
        CatchUp = CatchUp.ToString().ToLowerInvariant(),
    };

    private static bool TryParse<T>(string text, out T value)
        where T : struct, Enum =>
        Enum.TryParse(text, ignoreCase: true, out value) && Enum.IsDefined(value) && !int.TryParse(text, out _);
}
