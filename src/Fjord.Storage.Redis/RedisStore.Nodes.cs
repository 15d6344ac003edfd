using Fjord.Core.Nodes;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>Heartbeats: n (id → report JSON) and ns (id → last beat on the server's clock).</summary>
public sealed partial class RedisStore : INodeStore
{
    /// <summary>ARGV: P, id, report, forget after ms.</summary>
    private static readonly RedisScript Beat = new(Lua.Prelude + """
        local t = now_ms()
        for _, id in ipairs(redis.call('ZRANGEBYSCORE', P..'ns', '-inf', '(' .. (t - tonumber(ARGV[4])))) do
          if id ~= ARGV[2] then
            redis.call('ZREM', P..'ns', id)
            redis.call('HDEL', P..'n', id)
          end
        end
        redis.call('HSET', P..'n', ARGV[2], ARGV[3])
        redis.call('ZADD', P..'ns', t, ARGV[2])
        return 1
        """);

    private static readonly RedisScript Nodes = new(Lua.ReadPrelude + """
        local out = {now_ms()}
        for _, id in ipairs(redis.call('ZRANGE', P..'ns', 0, -1, 'WITHSCORES')) do out[#out + 1] = id end
        return out
        """);

    public Task BeatAsync(NodeReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        return RunAsync(Beat, report.Id, NodeJson.Write(report), (long)NodeHeartbeat.ForgetAfter.TotalMilliseconds);
    }

    public async Task<IReadOnlyList<NodeRecord>> ListNodesAsync(TimeSpan silentAfter, CancellationToken cancellationToken)
    {
        var reply = (RedisResult[])(await RunAsync(Nodes))!;
        var now = (long)reply[0];
        var seen = new List<(string Id, long At)>();
        for (var i = 1; i + 1 < reply.Length; i += 2)
            seen.Add(((string)reply[i]!, (long)(double)reply[i + 1]));
        var nodes = new List<NodeRecord>();
        foreach (var (id, at) in seen.OrderBy(s => s.Id, StringComparer.Ordinal))
        {
            if (await Db.HashGetAsync(P + "n", id) is { IsNull: false } json && NodeJson.Read((string)json!) is { } report)
                nodes.Add(new NodeRecord(report, UnixMs.To(at), now - at < (long)silentAfter.TotalMilliseconds));
        }
        return nodes;
    }
}
