using Fjord.Core.Jobs;

namespace Fjord.Storage.Redis;

/// <summary>
/// The scripts that move jobs. Keys under the prefix P: j:ID (the job hash), p:ID / r:ID (payload,
/// result), a:ID / l:ID (ended attempts and their logs, in step), q:FN (waiting jobs by due time),
/// lease (running jobs by lease expiry), rn:FN (running per node), st:FN (totals), ix / ixf:FN
/// (every job, by id), xa:ST / xf:FN:ST (by status), e:FN:ST (ended, by finish time), d:FN:KIND
/// (dead letters by error kind), i:FN:KEY (idempotency keys, with their window as a TTL).
/// </summary>
internal static class JobScripts
{
    /// <summary>ARGV: P, n, then 13 per job (see <see cref="RedisStore.EnqueueAsync"/>). Returns {1, id, existing, …} or {0, function} when a queue is full.</summary>
    public static readonly RedisScript Enqueue = new(Lua.Prelude + $$"""
        local t = now_ms()
        local n = tonumber(ARGV[2])
        local out, seen, fresh, adding = {1}, {}, {}, {}
        for i = 0, n - 1 do
          local b = 3 + i * 13
          local id, fn, key = ARGV[b], ARGV[b + 1], ARGV[b + 10]
          local existing = false
          if key ~= '' then
            local k = P..'i:'..fn..':'..key
            existing = seen[k] or redis.call('GET', k)
            if not existing then seen[k] = id end
          end
          if existing then
            out[#out + 1] = existing; out[#out + 1] = 1
          else
            out[#out + 1] = id; out[#out + 1] = 0
            fresh[#fresh + 1] = b
            adding[fn] = (adding[fn] or 0) + 1
          end
        end
        for fn, c in pairs(adding) do
          local depth = tonumber(redis.call('HGET', P..'f:'..fn, 'depth'))
          if depth and redis.call('ZCARD', P..'q:'..fn) + c > depth then return {0, fn} end
        end
        local touched = {}
        for _, b in ipairs(fresh) do
          local id, fn = ARGV[b], ARGV[b + 1]
          local run = tonumber(ARGV[b + 4])
          local st = {{Lua.Queued}}
          if run and run > t then st = {{Lua.Scheduled}} else run = t end
          local j = P..'j:'..id
          redis.call('HSET', j, 'fn', fn, 'st', st, 'att', 0, 'max', ARGV[b + 2], 'cat', ARGV[b + 3], 'run', run, 'sync', ARGV[b + 5])
          if ARGV[b + 6] ~= '' then redis.call('HSET', j, 'ct', ARGV[b + 6]) end
          if ARGV[b + 7] ~= '' then redis.call('HSET', j, 'cb', ARGV[b + 7]) end
          if ARGV[b + 8] ~= '' then redis.call('HSET', j, 'tr', ARGV[b + 8]) end
          if ARGV[b + 9] ~= '' then redis.call('HSET', j, 'tg', ARGV[b + 9]) end
          if ARGV[b + 10] ~= '' then
            local k = P..'i:'..fn..':'..ARGV[b + 10]
            redis.call('SET', k, id, 'PX', ARGV[b + 11])
            redis.call('HSET', j, 'idk', k)
          end
          redis.call('SET', P..'p:'..id, ARGV[b + 12])
          redis.call('ZADD', P..'ix', 0, id)
          redis.call('ZADD', P..'ixf:'..fn, 0, id)
          redis.call('SADD', P..'fns', fn)
          idx(id, fn, nil, st)
          redis.call('ZADD', P..'q:'..fn, run, id)
          touched[fn] = true
        end
        for fn in pairs(touched) do redis.call('PUBLISH', P..'work', fn) end
        return out
        """);

    /// <summary>
    /// ARGV: P, function, node, lease ms, max jobs to look at. Returns {0} paused, {1} empty,
    /// {2, due} nothing due before then, or {3, id, attempt, max, created, token, sync, content
    /// type, callback, started, ready, trace, trigger, payload}. Jobs past maxAge on the way are
    /// dead-lettered as expired, never handed out.
    /// </summary>
    public static readonly RedisScript Fetch = new(Lua.Prelude + $$"""
        local fn, node = ARGV[2], ARGV[3]
        local f = redis.call('HMGET', P..'f:'..fn, 'paused', 'maxage')
        if f[1] == '1' then return {0} end
        local maxage = tonumber(f[2])
        local t = now_ms()
        local q = P..'q:'..fn
        for i = 1, tonumber(ARGV[5]) do
          local top = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
          if #top == 0 then return {1} end
          local id, due = top[1], tonumber(top[2])
          if due > t then return {2, due} end
          redis.call('ZREM', q, id)
          local j = P..'j:'..id
          local h = redis.call('HMGET', j, 'st', 'att', 'max', 'cat', 'rq', 'sync', 'ct', 'cb', 'run', 'tr', 'tg')
          local born = tonumber(h[5] or h[4])
          if h[1] ~= '{{Lua.Queued}}' and h[1] ~= '{{Lua.Scheduled}}' then
            -- not waiting (a leftover entry): nothing to hand out
          elseif maxage and born < t - maxage then
            local em = "waited longer than the function's maxAge"
            seterr(j, 'expired', em, nil)
            idx(id, fn, tonumber(h[1]), {{Lua.Failed}})
            ended(id, j, fn, {{Lua.Failed}}, t, tonumber(h[2]), 'expired', em, nil)
          else
            local att = tonumber(h[2]) + 1
            local tok = redis.call('INCR', P..'tok')
            redis.call('HSET', j, 'st', {{Lua.Running}}, 'att', att, 'tok', tok, 'node', node, 'sat', t)
            redis.call('ZADD', P..'lease', t + tonumber(ARGV[4]), id)
            redis.call('HINCRBY', P..'rn:'..fn, node, 1)
            idx(id, fn, tonumber(h[1]), {{Lua.Running}})
            return {3, id, att, h[3], h[4], tok, h[6], h[7], h[8], t, h[9], h[10], h[11], redis.call('GET', P..'p:'..id)}
          end
        end
        return {2, t}
        """);

    /// <summary>ARGV: P, id, token, lease ms. 1 when renewed, 0 when fenced.</summary>
    public static readonly RedisScript Renew = new(Lua.Prelude + """
        if fenced(P..'j:'..ARGV[2], ARGV[3]) then return 0 end
        redis.call('ZADD', P..'lease', now_ms() + tonumber(ARGV[4]), ARGV[2])
        return 1
        """);

    /// <summary>ARGV: P, id, token, result, result content type, log.</summary>
    public static readonly RedisScript Ack = new(Lua.Prelude + $$"""
        local id = ARGV[2]
        local j = P..'j:'..id
        if fenced(j, ARGV[3]) then return 0 end
        local t = now_ms()
        local h = redis.call('HMGET', j, 'fn', 'att', 'sat', 'node')
        unrun(id, h[1], h[4])
        redis.call('SET', P..'r:'..id, ARGV[4])
        redis.call('HSET', j, 'rct', ARGV[5])
        seterr(j, nil, nil, nil)
        attempt(id, h[2], h[3], h[4], '{{AttemptOutcomes.Succeeded}}', nil, nil, nil, ARGV[6], t)
        idx(id, h[1], {{Lua.Running}}, {{Lua.Succeeded}})
        ended(id, j, h[1], {{Lua.Succeeded}}, t, tonumber(h[2]), nil, nil, nil)
        return 1
        """);

    /// <summary>ARGV: P, id, token, run at (ms), error kind, message, exit code or '', log.</summary>
    public static readonly RedisScript Retry = new(Lua.Prelude + $$"""
        local id = ARGV[2]
        local j = P..'j:'..id
        if fenced(j, ARGV[3]) then return 0 end
        local t = now_ms()
        local h = redis.call('HMGET', j, 'fn', 'att', 'sat', 'node')
        unrun(id, h[1], h[4])
        attempt(id, h[2], h[3], h[4], '{{AttemptOutcomes.Failed}}', ARGV[5], ARGV[6], ARGV[7], ARGV[8], t)
        seterr(j, ARGV[5], ARGV[6], ARGV[7])
        local run = math.max(tonumber(ARGV[4]), t)
        redis.call('HSET', j, 'st', {{Lua.Scheduled}}, 'run', run)
        idx(id, h[1], {{Lua.Running}}, {{Lua.Scheduled}})
        wait(id, h[1], run)
        return 1
        """);

    /// <summary>ARGV: P, id, token, error kind, message, exit code or '', log.</summary>
    public static readonly RedisScript DeadLetter = new(Lua.Prelude + $$"""
        local id = ARGV[2]
        local j = P..'j:'..id
        if fenced(j, ARGV[3]) then return 0 end
        local t = now_ms()
        local h = redis.call('HMGET', j, 'fn', 'att', 'sat', 'node')
        unrun(id, h[1], h[4])
        attempt(id, h[2], h[3], h[4], '{{AttemptOutcomes.Failed}}', ARGV[4], ARGV[5], ARGV[6], ARGV[7], t)
        seterr(j, ARGV[4], ARGV[5], ARGV[6])
        idx(id, h[1], {{Lua.Running}}, {{Lua.Failed}})
        ended(id, j, h[1], {{Lua.Failed}}, t, tonumber(h[2]), ARGV[4], ARGV[5], ARGV[6])
        return 1
        """);

    /// <summary>ARGV: P, id, token. Gives the job back uncounted: waiting again at once.</summary>
    public static readonly RedisScript Release = new(Lua.Prelude + $$"""
        local id = ARGV[2]
        local j = P..'j:'..id
        if fenced(j, ARGV[3]) then return 0 end
        local t = now_ms()
        local h = redis.call('HMGET', j, 'fn', 'att', 'node', 'run')
        unrun(id, h[1], h[3])
        local att = tonumber(h[2]) - 1
        redis.call('HSET', j, 'st', {{Lua.Queued}}, 'att', att)
        if att < 1 then redis.call('HDEL', j, 'sat', 'node') end
        local run = math.min(tonumber(h[4]), t)
        redis.call('HSET', j, 'run', run)
        idx(id, h[1], {{Lua.Running}}, {{Lua.Queued}})
        wait(id, h[1], run)
        return 1
        """);

    /// <summary>ARGV: P, id, token, reason. An attempt that ran but could not be recorded: counted, as a lost attempt.</summary>
    public static readonly RedisScript TakeBackRan = new(Lua.Prelude + """
        if fenced(P..'j:'..ARGV[2], ARGV[3]) then return 0 end
        takeback(ARGV[2], ARGV[4], now_ms())
        return 1
        """);

    /// <summary>ARGV: P, limit, reason. Takes back running jobs whose lease ran out; returns how many.</summary>
    public static readonly RedisScript Reap = new(Lua.Prelude + """
        local t = now_ms()
        local ids = redis.call('ZRANGEBYSCORE', P..'lease', '-inf', '(' .. t, 'LIMIT', 0, tonumber(ARGV[2]))
        for _, id in ipairs(ids) do takeback(id, ARGV[3], t) end
        return #ids
        """);

    /// <summary>
    /// ARGV: P, id, message for a running job. Returns -1 unknown, 0 wrong state, 1 canceled. A
    /// running job's attempt is recorded as canceled and its lease fenced in the same script; its
    /// holder hears it on the cancel channel ("id token").
    /// </summary>
    public static readonly RedisScript Cancel = new(Lua.Prelude + $$"""
        local id = ARGV[2]
        local j = P..'j:'..id
        local h = redis.call('HMGET', j, 'st', 'fn', 'att', 'sat', 'node', 'tok')
        if not h[1] then return -1 end
        local st, fn, t = tonumber(h[1]), h[2], now_ms()
        if st == {{Lua.Queued}} or st == {{Lua.Scheduled}} then
          redis.call('ZREM', P..'q:'..fn, id)
          idx(id, fn, st, {{Lua.Canceled}})
          ended(id, j, fn, {{Lua.Canceled}}, t, tonumber(h[3]), nil, nil, nil)
          return 1
        end
        if st ~= {{Lua.Running}} then return 0 end
        unrun(id, fn, h[5])
        attempt(id, h[3], h[4], h[5], '{{AttemptOutcomes.Canceled}}', 'canceled', ARGV[3], nil, '', t)
        seterr(j, 'canceled', ARGV[3], nil)
        idx(id, fn, st, {{Lua.Canceled}})
        ended(id, j, fn, {{Lua.Canceled}}, t, tonumber(h[3]), 'canceled', ARGV[3], nil)
        redis.call('PUBLISH', P..'cancel', id..' '..h[6])
        return 1
        """);

    /// <summary>ARGV: P, id. A dead letter back to waiting with a fresh budget (-1 unknown, 0 wrong state).</summary>
    public static readonly RedisScript Requeue = new(Lua.Prelude + $$"""
        local id = ARGV[2]
        local j = P..'j:'..id
        local h = redis.call('HMGET', j, 'st', 'fn', 'ek')
        if not h[1] then return -1 end
        if h[1] ~= '{{Lua.Failed}}' then return 0 end
        local fn, t = h[2], now_ms()
        redis.call('ZREM', P..'e:'..fn..':{{Lua.Failed}}', id)
        redis.call('ZREM', P..'d:'..fn..':'..(h[3] or 'none'), id)
        redis.call('HSET', j, 'st', {{Lua.Queued}}, 'att', 0, 'run', t, 'rq', t)
        redis.call('HDEL', j, 'fat', 'ek', 'em', 'ec')
        idx(id, fn, {{Lua.Failed}}, {{Lua.Queued}})
        wait(id, fn, t)
        return 1
        """);

    /// <summary>
    /// ARGV: P, mode, …: 'ended' FN ST BEFORE LIMIT deletes ended jobs of one state finished
    /// before a time; 'failed' ID… deletes those of the named jobs that are dead letters. With
    /// them go payload, result, attempts, logs, callbacks and an idempotency key that names them;
    /// the newest deleted id becomes the tombstone.
    /// </summary>
    public static readonly RedisScript Delete = new(Lua.Prelude + $$"""
        local function delete(id)
          local j = P..'j:'..id
          local h = redis.call('HMGET', j, 'fn', 'st', 'ek', 'idk')
          local fn, st = h[1], h[2]
          redis.call('ZREM', P..'e:'..fn..':'..st, id)
          if st == '{{Lua.Failed}}' then redis.call('ZREM', P..'d:'..fn..':'..(h[3] or 'none'), id) end
          for _, cid in ipairs(redis.call('SMEMBERS', P..'cbs:'..id)) do
            redis.call('DEL', P..'cb:'..cid)
            redis.call('ZREM', P..'cbdue', cid)
          end
          redis.call('DEL', P..'cbs:'..id, j, P..'p:'..id, P..'r:'..id, P..'a:'..id, P..'l:'..id, P..'ct:'..id)
          redis.call('ZREM', P..'ix', id)
          redis.call('ZREM', P..'ixf:'..fn, id)
          idx(id, fn, st, nil)
          if h[4] and redis.call('GET', h[4]) == id then redis.call('DEL', h[4]) end
          local tomb = redis.call('GET', P..'tomb')
          if not tomb or id > tomb then redis.call('SET', P..'tomb', id) end
          if redis.call('ZCARD', P..'ixf:'..fn) == 0 then redis.call('SREM', P..'fns', fn) end
        end
        local n = 0
        if ARGV[2] == 'ended' then
          local ids = redis.call('ZRANGEBYSCORE', P..'e:'..ARGV[3]..':'..ARGV[4], '-inf', '(' .. ARGV[5], 'LIMIT', 0, tonumber(ARGV[6]))
          for _, id in ipairs(ids) do delete(id); n = n + 1 end
        else
          for i = 3, #ARGV do
            if redis.call('HGET', P..'j:'..ARGV[i], 'st') == '{{Lua.Failed}}' then delete(ARGV[i]); n = n + 1 end
          end
        end
        return n
        """);

    public static ErrorKind? Kind(string? text) =>
        text is not null && Enum.TryParse<ErrorKind>(text, ignoreCase: true, out var kind) && Enum.IsDefined(kind) ? kind : null;
}
