using Fjord.Core.Queue;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// What the server must be for Fjord's promises to hold, checked at every start:
/// <list type="bullet">
/// <item><c>appendonly yes</c> with <c>appendfsync always</c>: Redis then fsyncs the AOF before it
/// sends any reply of the event loop turn (beforeSleep flushes the AOF before writing replies), so
/// the reply a 202 waits for means the job is on disk. Otherwise the store refuses to start,
/// unless the operator opts out (<see cref="RedisStoreOptions.AllowUnsafeDurability"/>, logged loudly).</item>
/// <item><c>maxmemory-policy noeviction</c>: any other policy may silently drop jobs to make room.
/// Never waived.</item>
/// <item>Redis 7 or newer: the scripts declare flags (<c>#!lua</c>) so a full server refuses a
/// whole script rather than failing halfway.</item>
/// </list>
/// </summary>
internal static class ServerCheck
{
    public static async Task RequireAsync(IDatabase db, bool allowUnsafeDurability, ILogger logger)
    {
        string Get(RedisResult config, string name)
        {
            var pairs = (RedisResult[])config!;
            for (var i = 0; i + 1 < pairs.Length; i += 2)
            {
                if ((string?)pairs[i] == name)
                    return (string?)pairs[i + 1] ?? "";
            }
            return "";
        }

        RedisResult config;
        string info;
        try
        {
            config = await db.ExecuteAsync("CONFIG", "GET", "a*");
            var policy = await db.ExecuteAsync("CONFIG", "GET", "maxmemory-policy");
            info = (string?)await db.ExecuteAsync("INFO", "server") ?? "";
            var evictionPolicy = Get(policy, "maxmemory-policy");
            if (evictionPolicy != "noeviction")
                throw new StoreUnavailableException($"Redis has maxmemory-policy {evictionPolicy}: it may evict jobs to make room; set maxmemory-policy noeviction (docs/deploy.md)");
        }
        catch (RedisServerException e) when (e.Message.Contains("NOPERM", StringComparison.Ordinal))
        {
            throw new StoreUnavailableException("the Redis user may not run CONFIG GET and INFO, which Fjord needs to check the durability settings: grant +config|get +info (docs/deploy.md)", e);
        }
        var version = info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?["redis_version:".Length..];
        if (version is null || !Version.TryParse(version, out var v) || v.Major < 7)
            throw new StoreUnavailableException($"Redis {version ?? "of an unknown version"} is too old: Fjord needs Redis 7 or newer");
        var appendOnly = Get(config, "appendonly");
        var fsync = Get(config, "appendfsync");
        if (appendOnly == "yes" && fsync == "always")
            return;
        var problem = $"Redis has appendonly {appendOnly} and appendfsync {fsync}: an accepted job (202) may be lost in a crash or power cut";
        if (!allowUnsafeDurability)
            throw new StoreUnavailableException(problem + "; set appendonly yes and appendfsync always, or start with --redis-unsafe-durability to accept that (docs/deploy.md)");
        RedisStoreLog.Unsafe(logger, "UNSAFE DURABILITY: " + problem + " (--redis-unsafe-durability)");
    }
}
