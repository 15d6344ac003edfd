using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>
/// The write side of delivery kept in PostgreSQL, for a broker-backed queue. The job row is the
/// truth (status, attempt, lease token); a broker message is only a wake-up that names a job.
/// Three rules make that safe:
///
///  1. Every move of a job into waiting (new, retry, release, reaped, requeued) writes an outbox
///     row in the same statement. A relay publishes outbox rows with confirms and deletes them
///     after. So no waiting job can lack a message: no dual-write gap, no orphaned record.
///  2. A message is acted on only through a fenced claim (<see cref="ClaimAsync"/>): waiting and
///     due → running with a new token. A duplicate or stale message claims nothing and is dropped.
///  3. Every completing write is fenced by the token, so a stale owner's outcome is refused.
/// Every write that ends a job (ack, dead letter, expiry, reaper, cancel) also queues its
/// callback in the same statement when the job has a callback URL (<see cref="CallbackSql"/>).
/// </summary>
public sealed partial class PostgresJobLedger
{
    private static readonly TimeSpan KeyLifetime = TimeSpan.FromHours(24);
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(1);

    private readonly PostgresStore _store;
    private readonly ConcurrentDictionary<string, (FunctionSettings? Settings, long At)> _functions = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DepthEntry> _depths = new(StringComparer.Ordinal);

    internal PostgresJobLedger(PostgresStore store) => _store = store;

    private NpgsqlDataSource Db => _store.DataSource;

    private long LeaseMs => (long)_store.Options.LeaseDuration.TotalMilliseconds;

    /// <summary>A function's spec and pause flag, at most a second old; null when it is not deployed.</summary>
    public async Task<FunctionSettings?> GetFunctionAsync(string function, CancellationToken cancellationToken)
    {
        var now = Stopwatch.GetTimestamp();
        if (_functions.TryGetValue(function, out var cached) && Stopwatch.GetElapsedTime(cached.At, now) < CacheFor)
            return cached.Settings;
        var state = await _store.GetFunctionAsync(function, cancellationToken);
        var settings = state is null ? null : new FunctionSettings(state.Spec, state.Paused);
        _functions[function] = (settings, now);
        return settings;
    }

    public static long NewClaim() => Random.Shared.NextInt64(1, long.MaxValue);

    private sealed class DepthEntry
    {
        public long Count;
        public long At;
    }
}
