using System.Globalization;
using Fjord.Core.Storage;

namespace Fjord.Core.Schedules;

/// <summary>
/// How a fire time is made once: its job carries an idempotency key built from the schedule's
/// name and the fire time, so every gateway that fires it (several on one store, a restarted one,
/// one whose clock is a second off) names the same key, and the store's key check lets one job
/// through. The key must outlive every moment a gateway could still fire that time: until the
/// next fire time has been handled, which for a yearly schedule is a year away, so its lifetime
/// is the idempotency window plus the gap to the next fire time.
/// </summary>
public static class ScheduleKeys
{
    /// <summary>
    /// A control character, which intake refuses in an <c>Idempotency-Key</c> header: a client
    /// cannot claim a fire time's key ahead of the schedule.
    /// </summary>
    public const string Prefix = "\u001Fschedule:";

    /// <summary>Keys of a schedule that never fires again are kept this long past the window.</summary>
    private static readonly TimeSpan LongestGap = TimeSpan.FromDays(400);

    public static string IdempotencyKey(string schedule, DateTimeOffset fireAt) =>
        Prefix + schedule + ":" + fireAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture);

    public static TimeSpan KeyLifetime(ScheduleSpec spec, DateTimeOffset fireAt)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var gap = spec.NextAfter(fireAt) is { } next ? next - fireAt : LongestGap;
        return IdempotencyKeys.Lifetime + (gap < LongestGap ? gap : LongestGap);
    }

    /// <summary>What the stored state was counted under: a new cron or zone starts its cursor over.</summary>
    public static string Signature(ScheduleSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return spec.Cron + " @" + spec.TimeZone;
    }
}
