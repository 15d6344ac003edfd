namespace Fjord.Core.Functions;

/// <summary>The pool part of a spec: fixed (<c>concurrency: 4</c>) or elastic (<c>concurrency: {min, max}</c>).</summary>
public sealed partial record FunctionSpec
{
    public const int MaxPoolSize = 1024;
    public static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DefaultTargetWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Processes the pool keeps even when idle (started ahead of the first job). A fixed pool
    /// keeps all of them: <see cref="MinConcurrency"/> = <see cref="Concurrency"/>. 0 = scale to zero.
    /// <see cref="Concurrency"/> is always the most the pool may run at once.
    /// </summary>
    public int MinConcurrency { get => Elastic ? _min : Concurrency; init => _min = value; }

    private readonly int _min;

    /// <summary>Written as <c>{min, max}</c>: the pool grows and shrinks between the two.</summary>
    public bool Elastic { get; init; }

    /// <summary>An elastic pool shrinks by one process at a time once it had a process more than it needed for this long.</summary>
    public TimeSpan IdleTimeout { get; init; } = DefaultIdleTimeout;

    /// <summary>An elastic pool grows while ready jobs wait (or are about to wait) longer than this.</summary>
    public TimeSpan TargetWait { get; init; } = DefaultTargetWait;

    private readonly record struct PoolShape(int Min, int Max, bool Elastic, TimeSpan IdleTimeout, TimeSpan TargetWait);

    private static PoolShape ParsePool(FunctionDocument doc, List<string> errors)
    {
        var c = doc.Concurrency ?? ConcurrencyDocument.FromInt32(1);
        int min = 1, max = 1;
        var elastic = false;
        if (c.Invalid is { } invalid)
        {
            errors.Add($"concurrency '{invalid}' must be a number of processes or {{min, max}}");
        }
        else if (c.Fixed is { } n)
        {
            if (n is < 1 or > MaxPoolSize)
                errors.Add($"concurrency must be between 1 and {MaxPoolSize}");
            min = max = n;
        }
        else
        {
            elastic = true;
            min = c.Min ?? 0;
            max = c.Max ?? 0;
            if (c.Max is null)
                errors.Add("concurrency.max is required in {min, max}");
            else if (max is < 1 or > MaxPoolSize)
                errors.Add($"concurrency.max must be between 1 and {MaxPoolSize}");
            if (min is < 0 or > MaxPoolSize)
                errors.Add($"concurrency.min must be between 0 and {MaxPoolSize}");
            else if (c.Max is not null && min > max)
                errors.Add("concurrency.min must not be above concurrency.max");
        }

        var idle = DefaultIdleTimeout;
        if (doc.IdleTimeout is not null && (!Quantity.TryParseDuration(doc.IdleTimeout, out idle) || idle < TimeSpan.FromMilliseconds(100)))
            errors.Add($"idleTimeout '{doc.IdleTimeout}' is not a duration of at least 100ms, like 5m");
        var target = DefaultTargetWait;
        if (doc.TargetWait is not null && (!Quantity.TryParseDuration(doc.TargetWait, out target) || target < TimeSpan.FromMilliseconds(10)))
            errors.Add($"targetWait '{doc.TargetWait}' is not a duration of at least 10ms, like 1s");
        return new PoolShape(min, max, elastic, idle, target);
    }
}
