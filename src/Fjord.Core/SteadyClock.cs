namespace Fjord.Core;

/// <summary>
/// A node's "now" that a step of the wall clock cannot move: the wall time read once at start,
/// advanced by the monotonic clock. An NTP step, a VM resumed with a stale clock or a hand-set
/// `date` then cannot expire every running lease at once (forward) or strand every retry an hour
/// out (back): on `fjord up` one process owns the store, and every deadline it keeps (leases,
/// retries, delays, the reaper) is read against this clock. The price: after a step the node's
/// timestamps differ from the wall clock by that step until it restarts (the monotonic clock
/// still follows NTP's rate corrections, only steps are ignored).
/// </summary>
public sealed class SteadyClock : TimeProvider
{
    private readonly TimeProvider _base;
    private readonly DateTimeOffset _anchor;
    private readonly long _start;

    public SteadyClock(TimeProvider wall)
    {
        ArgumentNullException.ThrowIfNull(wall);
        _base = wall;
        _start = wall.GetTimestamp();
        _anchor = wall.GetUtcNow();
    }

    public override DateTimeOffset GetUtcNow() => _anchor + _base.GetElapsedTime(_start);

    public override long GetTimestamp() => _base.GetTimestamp();

    public override long TimestampFrequency => _base.TimestampFrequency;

    public override TimeZoneInfo LocalTimeZone => _base.LocalTimeZone;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        _base.CreateTimer(callback, state, dueTime, period);
}
