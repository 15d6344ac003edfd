using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// /v1/queues without scanning jobs: ready and scheduled are counts by score in the waiting set
/// (due now or later), running a per-node counter the scripts keep, totals counters, all read in
/// one script so the figures are of one moment.
/// </summary>
public sealed partial class RedisStore : IJobMonitor
{
    private static readonly RedisScript Queues = new(Lua.ReadPrelude + """
        local t = now_ms()
        local names = redis.call('SUNION', P..'fset', P..'fns')
        local out = {}
        for _, fn in ipairs(names) do
          local q = P..'q:'..fn
          local oldest = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
          local age = 0
          if #oldest == 2 and tonumber(oldest[2]) <= t then age = t - tonumber(oldest[2]) end
          local s = redis.call('HMGET', P..'st:'..fn, 'ok', 'fail')
          out[#out + 1] = {fn, redis.call('ZCOUNT', q, '-inf', t), redis.call('ZCOUNT', q, '(' .. t, '+inf'),
            tonumber(s[1]) or 0, tonumber(s[2]) or 0, redis.call('HGET', P..'f:'..fn, 'paused') == '1' and 1 or 0, age,
            redis.call('HGETALL', P..'rn:'..fn)}
        end
        return out
        """);

    public async Task<IReadOnlyList<QueueStats>> GetQueuesAsync(CancellationToken cancellationToken)
    {
        var rows = (RedisResult[])(await RunAsync(Queues))!;
        var list = new List<QueueStats>(rows.Length);
        foreach (var row in rows.Select(r => (RedisResult[])r!))
        {
            var stats = new QueueStats((string)row[0]!, (long)row[1], (long)row[2], 0, (long)row[3], (long)row[4], (long)row[5] == 1)
            {
                OldestReadyAgeMs = (long)row[6],
            };
            var running = (RedisResult[])row[7]!;
            for (var i = 0; i + 1 < running.Length; i += 2)
                stats = QueueStatsRows.AddRunning(stats, (string)running[i]!, long.Parse((string)running[i + 1]!, System.Globalization.CultureInfo.InvariantCulture));
            list.Add(stats);
        }
        return [.. list.OrderBy(s => s.Name, StringComparer.Ordinal)];
    }
}
