using Fjord.Core.Queue;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// <see cref="RedisStoreOptions.Replicas"/>: a 202 only once that many replicas hold the job.
/// Redis's WAIT counts the writes of the connection it is sent on, and blocks that connection
/// until it answers, so intake's scripts and their WAITs get a connection of their own: fetches,
/// renewals and completions never queue behind a slow replica. (WAITAOF, a replica's fsync, needs
/// Redis 7.2; WAIT means the replicas received the job, into their memory.)
/// </summary>
public sealed partial class RedisStore
{
    private ConnectionMultiplexer? _intake;

    /// <summary>The connection intake writes on: its own when replicas are waited for.</summary>
    private IDatabase IntakeDb => (_intake ?? _redis).GetDatabase();

    /// <summary>Null when no replica is waited for; else a second connection, after checking that enough replicas are attached.</summary>
    private static async Task<ConnectionMultiplexer?> ConnectIntakeAsync(RedisStoreOptions options, ConfigurationOptions config, ConnectionMultiplexer redis)
    {
        if (options.Replicas <= 0)
            return null;
        var info = (string?)await redis.GetDatabase().ExecuteAsync("INFO", "replication") ?? "";
        var online = OnlineReplicas(info);
        if (online < options.Replicas)
            throw new UnsafeServerException($"--redis-replicas {options.Replicas}: the Redis primary has {online} replica(s) online; attach them (replicaof), wait for their first sync, or lower --redis-replicas");
        var intake = await ConnectionMultiplexer.ConnectAsync(config.Clone());
        await intake.GetDatabase().PingAsync();
        return intake;
    }

    /// <summary>
    /// Replicas that can acknowledge now: <c>slaveN:…,state=online,…</c> lines of INFO replication.
    /// connected_slaves also counts one still in its first full sync, which answers no WAIT yet.
    /// </summary>
    internal static int OnlineReplicas(string info) =>
        info.Split('\n').Select(l => l.Trim()).Count(l => l.StartsWith("slave", StringComparison.Ordinal) && l.Contains(",state=online,", StringComparison.Ordinal));

    /// <summary>After intake's script: WAIT for the replicas, or 503 (the job is on the primary but may not survive a failover).</summary>
    private async Task WaitForReplicasAsync()
    {
        if (_intake is null)
            return;
        var timeout = (long)Options.ReplicaTimeout.TotalMilliseconds;
        long acknowledged;
        try
        {
            acknowledged = (long)await IntakeDb.ExecuteAsync("WAIT", Options.Replicas, timeout);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new StoreUnavailableException($"Redis could not confirm the job on its replicas: {ex.Message}", ex);
        }
        if (acknowledged < Options.Replicas)
        {
            throw new StoreUnavailableException(
                $"only {acknowledged} of {Options.Replicas} Redis replicas acknowledged the job within {timeout} ms (--redis-replicas); it is on the primary and may run, but a failover could lose it: retry with the same Idempotency-Key");
        }
    }
}
