using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// Schedule state: one hash per schedule (sc:FN\nNAME) and the scs set naming them. Each write is
/// one script, so the compare-and-set of a fire time and the forward-only cursor hold across gateways.
/// </summary>
public sealed partial class RedisStore : IScheduleStore
{
    private static readonly string ScheduleLua = Lua.Prelude + """
        local member = ARGV[2]..'\n'..ARGV[3]
        local k = P..'sc:'..member
        local op = ARGV[4]
        local function cur() return tonumber(redis.call('HGET', k, 'cur')) end
        if op == 'ensure' then
          if redis.call('EXISTS', k) == 0 then
            redis.call('HSET', k, 'sig', ARGV[5], 'cur', ARGV[6], 'paused', 0, 'skip', 0)
            redis.call('SADD', P..'scs', member)
          elseif redis.call('HGET', k, 'sig') ~= ARGV[5] then
            redis.call('HSET', k, 'sig', ARGV[5], 'cur', ARGV[6])
          end
          return redis.call('HMGET', k, 'sig', 'paused', 'cur', 'lfa', 'lji', 'skip')
        end
        if redis.call('EXISTS', k) == 0 then return 0 end
        local at = tonumber(ARGV[5])
        if op == 'fire' or op == 'trigger' then
          if op == 'fire' and cur() < at then redis.call('HSET', k, 'cur', at) end
          local last = tonumber(redis.call('HGET', k, 'lfa'))
          if not last or last <= at then redis.call('HSET', k, 'lfa', at, 'lji', ARGV[6]) end
          return 1
        elseif op == 'pass' then
          if cur() >= at then return 0 end
          redis.call('HSET', k, 'cur', at)
          if ARGV[6] == '1' then redis.call('HINCRBY', k, 'skip', 1) end
          return 1
        elseif op == 'pause' then
          if ARGV[6] == '0' and redis.call('HGET', k, 'paused') == '1' and cur() < at then redis.call('HSET', k, 'cur', at) end
          redis.call('HSET', k, 'paused', ARGV[6])
          return 1
        end
        return 0
        """;

    private static readonly RedisScript Schedule = new(ScheduleLua);

    /// <summary>ARGV: P, function, names to keep…</summary>
    private static readonly RedisScript Forget = new(Lua.Prelude + """
        local keep = {}
        for i = 3, #ARGV do keep[ARGV[i]] = true end
        local prefix = ARGV[2]..'\n'
        for _, member in ipairs(redis.call('SMEMBERS', P..'scs')) do
          if string.sub(member, 1, #prefix) == prefix and not keep[string.sub(member, #prefix + 1)] then
            redis.call('DEL', P..'sc:'..member)
            redis.call('SREM', P..'scs', member)
          end
        end
        return 1
        """);

    public async Task<IReadOnlyList<ScheduleState>> ListScheduleStatesAsync(CancellationToken cancellationToken)
    {
        var list = new List<ScheduleState>();
        foreach (var member in (await Db.SetMembersAsync(P + "scs")).Select(m => (string)m!).Order(StringComparer.Ordinal))
        {
            var h = await Db.HashGetAsync(P + "sc:" + member, ["sig", "paused", "cur", "lfa", "lji", "skip"]);
            if (h[0].IsNull)
                continue;
            var split = member.IndexOf('\n', StringComparison.Ordinal);
            list.Add(State(member[..split], member[(split + 1)..], h));
        }
        return list;
    }

    private static ScheduleState State(string function, string name, RedisValue[] h) => new(
        function, name, (string)h[0]!, h[1] == "1", UnixMs.To((long)h[2]),
        h[3].IsNull ? null : UnixMs.To((long)h[3]), h[4].IsNull ? null : (string?)h[4], h[5].IsNull ? 0 : (long)h[5]);

    public async Task<ScheduleState> EnsureScheduleStateAsync(string function, string name, string signature, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var reply = (RedisResult[])(await RunAsync(Schedule, function, name, "ensure", signature, UnixMs.From(now)))!;
        return State(function, name, [.. reply.Select(r => (RedisValue)r)]);
    }

    public Task RecordScheduleFireAsync(string function, string name, DateTimeOffset fireAt, string jobId, CancellationToken cancellationToken) =>
        RunAsync(Schedule, function, name, "fire", UnixMs.From(fireAt), jobId);

    public Task RecordScheduleTriggerAsync(string function, string name, DateTimeOffset at, string jobId, CancellationToken cancellationToken) =>
        RunAsync(Schedule, function, name, "trigger", UnixMs.From(at), jobId);

    public Task<bool> PassScheduleFireAsync(string function, string name, DateTimeOffset fireAt, bool skipped, CancellationToken cancellationToken) =>
        CompleteAsync(Schedule, function, name, "pass", UnixMs.From(fireAt), skipped ? "1" : "0");

    public Task<bool> SetSchedulePausedAsync(string function, string name, bool paused, DateTimeOffset now, CancellationToken cancellationToken) =>
        CompleteAsync(Schedule, function, name, "pause", UnixMs.From(now), paused ? "1" : "0");

    public Task ForgetSchedulesAsync(string function, IReadOnlyCollection<string> keep, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return RunAsync(Forget, [function, .. keep.Select(k => (RedisValue)k)]);
    }
}
