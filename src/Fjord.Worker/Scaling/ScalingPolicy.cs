using System.Globalization;
using Fjord.Core.Functions;
using Fjord.Core.Queue;

namespace Fjord.Worker.Scaling;

/// <summary>What a pool looked like over the last scaling tick.</summary>
/// <param name="Live">Processes (slots) the pool has now, starting ones included.</param>
/// <param name="Busy">Slots running a job now.</param>
/// <param name="PeakBusy">The most slots busy at once since the previous tick.</param>
/// <param name="Backlog">Ready jobs (capped) and the oldest one's age.</param>
/// <param name="MeanRun">How long a job has taken lately on this node; null before the first.</param>
public readonly record struct PoolSignals(int Live, int Busy, int PeakBusy, Backlog Backlog, TimeSpan? MeanRun);

/// <summary>How many processes the pool wants, and why (shown in /v1/queues and logged when it changes).</summary>
public sealed record ScalingDecision(int Desired, string Reason);

/// <summary>
/// The scaling rule of one pool, pure (the clock comes in with each call; tests drive it).
///
/// Grow while ready jobs wait longer than <c>targetWait</c>, judged by both figures: the oldest
/// ready job's age (we are behind already) and the depth (the newest ready job will wait about
/// depth × mean run ÷ processes: we are about to be). When growing, ask for enough processes to
/// clear the waiting jobs within <c>targetWait</c>, at least one more, at most <c>max</c>. A pool
/// at zero with a ready job wants one process at once.
///
/// Shrink one process per tick, down to <c>min</c>, once the pool has had a process more than it
/// needed (peak busy below its size, nothing ready) for a whole <c>idleTimeout</c> since it last
/// grew. A fixed pool always wants its <c>concurrency</c>.
/// </summary>
public sealed class ScalingPolicy
{
    private readonly FunctionSpec _spec;
    // Peaks within idleTimeout, decreasing from first to last (a sliding-window maximum).
    private readonly LinkedList<(DateTimeOffset At, int Peak)> _peaks = new();
    private DateTimeOffset _lastGrow;

    public ScalingPolicy(FunctionSpec spec, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(spec);
        _spec = spec;
        _lastGrow = now;
        Current = spec.Elastic
            ? new ScalingDecision(spec.MinConcurrency, spec.MinConcurrency == 0 ? "min 0: no process until a job is ready" : $"min {spec.MinConcurrency}: warm ahead")
            : new ScalingDecision(spec.Concurrency, $"fixed pool of {spec.Concurrency}");
    }

    public ScalingDecision Current { get; private set; }

    public ScalingDecision Decide(PoolSignals s, DateTimeOffset now)
    {
        if (!_spec.Elastic)
            return Current;

        var ready = s.Backlog.Ready;
        // Every process counts as needed while jobs wait for one.
        RecordPeak(now, ready > 0 ? Math.Max(s.Live, s.PeakBusy) : s.PeakBusy);

        if (Grow(s, now) is { } grown)
        {
            _lastGrow = now;
            return Current = grown;
        }

        var desired = Math.Clamp(Current.Desired, _spec.MinConcurrency, _spec.Concurrency);
        var windowPeak = WindowPeak();
        // One at a time: only once the previous step has been carried out (desired == live).
        if (ready == 0 && s.Live > _spec.MinConcurrency && desired <= s.Live && windowPeak < s.Live
            && now - _lastGrow >= _spec.IdleTimeout)
        {
            var target = Math.Max(_spec.MinConcurrency, s.Live - 1);
            return Current = new ScalingDecision(target, string.Create(CultureInfo.InvariantCulture,
                $"shrink to {target}: at most {windowPeak} of {s.Live} busy for idleTimeout {Quantity.FormatDuration(_spec.IdleTimeout)}"));
        }
        return desired == Current.Desired ? Current : Current = Current with { Desired = desired };
    }

    private ScalingDecision? Grow(PoolSignals s, DateTimeOffset now)
    {
        var ready = s.Backlog.Ready;
        if (ready == 0 || s.Live >= _spec.Concurrency)
            return null;
        var age = s.Backlog.OldestAge;
        var target = _spec.TargetWait;
        if (s.Live == 0)
        {
            // From zero: one now; the next tick grows further if the depth says so.
            var first = Math.Max(1, Current.Desired);
            return first > Current.Desired || Current.Desired == 0
                ? new ScalingDecision(first, string.Create(CultureInfo.InvariantCulture, $"scale from zero: {ready} ready"))
                : null;
        }

        // The newest ready job will wait about this long at today's pace.
        var projected = s.MeanRun is { } run ? TimeSpan.FromTicks(run.Ticks * ready / s.Live) : TimeSpan.Zero;
        if (age <= target && projected <= target)
            return null;

        // Enough processes to clear what waits within targetWait; one per waiting job while the run time is unknown.
        var needed = s.MeanRun is { } mean
            ? (int)Math.Min(int.MaxValue, (long)Math.Ceiling(ready * mean.TotalMilliseconds / Math.Max(1, target.TotalMilliseconds)))
            : (int)Math.Min(int.MaxValue, s.Busy + ready);
        var desired = Math.Clamp(Math.Max(s.Live + 1, needed), _spec.MinConcurrency, _spec.Concurrency);
        if (desired <= Current.Desired && Current.Desired > s.Live)
            return null; // still carrying out the last growth
        var why = age > target
            ? $"oldest ready waited {Ms(age)} > targetWait {Ms(target)}"
            : $"{ready} ready would wait ~{Ms(projected)} > targetWait {Ms(target)}";
        return new ScalingDecision(desired, string.Create(CultureInfo.InvariantCulture, $"grow to {desired}: {why}"));
    }

    private void RecordPeak(DateTimeOffset now, int peak)
    {
        while (_peaks.First is { } first && now - first.Value.At > _spec.IdleTimeout)
            _peaks.RemoveFirst();
        // An older peak no higher than this one can never be the window's maximum again.
        while (_peaks.Last is { } last && last.Value.Peak <= peak)
            _peaks.RemoveLast();
        _peaks.AddLast((now, peak));
    }

    private int WindowPeak() => _peaks.First?.Value.Peak ?? 0;

    private static string Ms(TimeSpan t) => string.Create(CultureInfo.InvariantCulture, $"{(long)t.TotalMilliseconds}ms");
}
