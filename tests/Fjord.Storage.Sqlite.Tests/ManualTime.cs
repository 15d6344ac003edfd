namespace Fjord.Storage.Sqlite.Tests;

/// <summary>
/// A wall clock the test moves by hand. Timers and timestamps stay real (the base class), so the
/// store's loops keep ticking while "now" jumps hours ahead.
/// </summary>
internal sealed class ManualTime(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public ManualTime()
        : this(new DateTimeOffset(2030, 1, 1, 12, 0, 0, TimeSpan.Zero))
    {
    }

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}
