using Fjord.Core.Queue;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>One fact about the Redis server Fjord needs: its name, whether it holds, what was seen, and the fix.</summary>
public sealed record ServerFact(string Name, bool Ok, string Detail, string? Fix = null);

/// <summary>
/// What the server must be for Fjord's promises to hold, checked at every start (and line by line
/// by `fjord doctor`):
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
public static class ServerCheck
{
    internal const string Durability = "durability";
    private const string Rights = "config rights";

    /// <summary>The server's settings as facts, in the order a start checks them: rights, eviction, version, durability.</summary>
    public static async Task<IReadOnlyList<ServerFact>> InspectAsync(IDatabase db)
    {
        ArgumentNullException.ThrowIfNull(db);
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

        RedisResult config, policy;
        string info;
        try
        {
            config = await db.ExecuteAsync("CONFIG", "GET", "a*");
            policy = await db.ExecuteAsync("CONFIG", "GET", "maxmemory-policy");
            info = (string?)await db.ExecuteAsync("INFO", "server") ?? "";
        }
        catch (RedisServerException e) when (e.Message.Contains("NOPERM", StringComparison.Ordinal))
        {
            return [new(Rights, false, "the Redis user may not run CONFIG GET and INFO, which Fjord needs to check the durability settings",
                "grant +config|get +info (docs/deploy.md)")];
        }
        var facts = new List<ServerFact>();
        var evictionPolicy = Get(policy, "maxmemory-policy");
        facts.Add(evictionPolicy == "noeviction"
            ? new("eviction", true, "maxmemory-policy noeviction: a full server refuses writes rather than dropping jobs")
            : new("eviction", false, $"Redis has maxmemory-policy {evictionPolicy}: it may evict jobs to make room", "set maxmemory-policy noeviction (docs/deploy.md)"));
        facts.Add(VersionFact(info));
        var appendOnly = Get(config, "appendonly");
        var fsync = Get(config, "appendfsync");
        facts.Add(appendOnly == "yes" && fsync == "always"
            ? new(Durability, true, "appendonly yes, appendfsync always: a 202 is on disk")
            : new(Durability, false, $"Redis has appendonly {appendOnly} and appendfsync {fsync}: an accepted job (202) may be lost in a crash or power cut",
                "set appendonly yes and appendfsync always, or start with --redis-unsafe-durability to accept that (docs/deploy.md)"));
        return facts;
    }

    /// <summary>The version line from <c>INFO server</c>: Redis 7 or newer (an unknown version fails).</summary>
    internal static ServerFact VersionFact(string info)
    {
        var version = info.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.StartsWith("redis_version:", StringComparison.Ordinal))?["redis_version:".Length..];
        return version is not null && Version.TryParse(version, out var v) && v.Major >= 7
            ? new("version", true, $"Redis {version}")
            : new("version", false, $"Redis {version ?? "of an unknown version"} is too old: Fjord needs Redis 7 or newer", "upgrade the server to Redis 7 or newer");
    }

    /// <summary>Refuses (<see cref="UnsafeServerException"/>; missing rights: <see cref="StoreUnavailableException"/>) on the first failed fact; only durability may be waived, loudly.</summary>
    /// <returns>The warnings of what was waived, for the node's reports.</returns>
    internal static async Task<IReadOnlyList<string>> RequireAsync(IDatabase db, bool allowUnsafeDurability, ILogger logger)
    {
        var waived = new List<string>();
        foreach (var fact in await InspectAsync(db))
        {
            if (fact.Ok)
                continue;
            if (fact.Name == Durability && allowUnsafeDurability)
            {
                var warning = "UNSAFE DURABILITY: " + fact.Detail + " (--redis-unsafe-durability)";
                RedisStoreLog.Unsafe(logger, warning);
                waived.Add(warning);
                continue;
            }
            if (fact.Name == Rights)
                throw new StoreUnavailableException($"{fact.Detail}; {fact.Fix}");
            throw new UnsafeServerException($"{fact.Detail}; {fact.Fix}");
        }
        return waived;
    }
}

/// <summary>The Redis server is configured so it could lose or evict accepted jobs: the store does not open (the CLI exits 6).</summary>
public sealed class UnsafeServerException(string message) : Exception(message);
