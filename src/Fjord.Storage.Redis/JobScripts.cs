using Fjord.Core.Jobs;

namespace Fjord.Storage.Redis;

/// <summary>
/// The scripts that move jobs. Keys under the prefix P: j:ID (the job hash), p:ID / r:ID (payload,
/// result), a:ID (ended attempts) / l:ID (the logs of those that printed one), q:FN (waiting jobs by due time),
/// lease (running jobs by lease expiry), rn:FN (running per node), st:FN (totals), xf:FN:ST (by
/// id, per status but running, which the lease set lists; a listing of every status merges them
/// and the lease set, one across functions merges the functions'),
/// e:FN:ST (ended, by finish time), d:FN:KIND (dead letters by error kind), i:FN:KEY (idempotency keys, with their window as a TTL).
/// </summary>
internal static class JobScripts
{
    /// <summary>
    /// ARGV: P, groups, then per group its n and 13 per job (see <see cref="RedisStore.EnqueueAsync"/>).
    /// One call stores the requests that arrived together (group commit); each group is stored
    /// whole or, when a queue is full, not at all, as if it had come alone after the ones before
    /// it. Returns per group {1, id, existing, …} or {0, function}.
    /// </summary>
    public static readonly RedisScript Enqueue = new(Lua.Prelude + $$"""
        local t = now_ms()
        local ts = tostring(t)
        D, C = {}, {}
        local b = 3
        local out, seen, depth, waiting, queued, payloads = {}, {}, {}, {}, {}, {}
        for g = 1, tonumber(ARGV[2]) do
          local n = tonumber(ARGV[b])
          local first = b + 1
          b = first + n * 13
          local reply, fresh, adding, mine = {1}, {}, {}, {}
          for i = 0, n - 1 do
            local o = first + i * 13
            local id, fn, key = ARGV[o], ARGV[o + 1], ARGV[o + 10]
            local existing = false
            if key ~= '' then
              local k = P..'i:'..fn..':'..key
              existing = mine[k] or seen[k] or redis.call('GET', k)
              if not existing then mine[k] = id end
            end
            if existing then
              reply[#reply + 1] = existing; reply[#reply + 1] = 1
            else
              reply[#reply + 1] = id; reply[#reply + 1] = 0
              fresh[#fresh + 1] = o
              adding[fn] = (adding[fn] or 0) + 1
            end
          end
          local full = nil
          for fn, c in pairs(adding) do
            if depth[fn] == nil then depth[fn] = tonumber(redis.call('HGET', P..'f:'..fn, 'depth')) or false end
            if depth[fn] and waiting[fn] == nil then waiting[fn] = redis.call('ZCARD', P..'q:'..fn) end
            local q = queued[fn]
            if depth[fn] and waiting[fn] + (q and #q / 2 or 0) + c > depth[fn] then full = fn; break end
          end
          if full then
            out[g] = {0, full}
          else
            for k, id in pairs(mine) do seen[k] = id end
            for _, o in ipairs(fresh) do
              local id, fn = ARGV[o], ARGV[o + 1]
              local run = ARGV[o + 4]
              local st = '{{Lua.Queued}}'
              if run ~= '' and tonumber(run) > t then st = '{{Lua.Scheduled}}' else run = ts end
              local j = P..'j:'..id
              local f = {'fn', fn, 'st', st, 'att', '0', 'max', ARGV[o + 2], 'cat', ARGV[o + 3], 'run', run, 'sync', ARGV[o + 5]}
              if ARGV[o + 6] ~= '' then f[#f + 1] = 'ct'; f[#f + 1] = ARGV[o + 6] end
              if ARGV[o + 7] ~= '' then f[#f + 1] = 'cb'; f[#f + 1] = ARGV[o + 7] end
              if ARGV[o + 8] ~= '' then f[#f + 1] = 'tr'; f[#f + 1] = ARGV[o + 8] end
              if ARGV[o + 9] ~= '' then f[#f + 1] = 'tg'; f[#f + 1] = ARGV[o + 9] end
              if ARGV[o + 10] ~= '' then
                local k = P..'i:'..fn..':'..ARGV[o + 10]
                redis.call('SET', k, id, 'PX', ARGV[o + 11])
                f[#f + 1] = 'idk'; f[#f + 1] = k
              end
              redis.call('HSET', j, unpack(f))
              payloads[#payloads + 1] = P..'p:'..id; payloads[#payloads + 1] = ARGV[o + 12]
              idx(id, fn, nil, st)
              local q = queued[fn]
              if not q then q = {}; queued[fn] = q end
              q[#q + 1] = run; q[#q + 1] = id
            end
            out[g] = reply
          end
        end
        for i = 1, #payloads, 1000 do redis.call('MSET', unpack(payloads, i, math.min(i + 999, #payloads))) end
        -- The waiting sets last: the depth checks above count this call's jobs from queued.
        for fn, list in pairs(queued) do
          local q = P..'q:'..fn
          local tell = nothing_due(q, t)
          many('ZADD', q, list)
          redis.call('SADD', P..'fns', fn)
          if tell then redis.call('PUBLISH', P..'work', fn) end
        end
        flush()
        return out
        """);

    /// <summary>
    /// A worker's writes that arrived together, in one call (BullMQ's moveToFinished, which also
    /// fetches the next job, for every slot at once). ARGV: P, lease ms, then items:
    /// 'c' FN NODE claims one job; 'a' ID TOKEN RESULT CONTENT-TYPE LOG records success;
    /// 'f' ID TOKEN RUN-AT|'' KIND MESSAGE EXIT-CODE|'' LOG records a failed attempt, retried at
    /// RUN-AT or, with none, dead-lettered. Each completion is fenced by its token and changes
    /// one job's state; completions go first, then the claims, up to one job per 'c'.
    /// Returns one answer per item: 1 recorded / 0 fenced; for a claim {0} paused, {1} empty,
    /// {2, due} nothing due before then, or {3, id, attempt, max, created, token, sync, content
    /// type, callback, started, ready, trace, trigger, payload}. Jobs past maxAge on the way are
    /// dead-lettered as expired, never handed out.
    /// </summary>
    public static readonly RedisScript Cycle = new(Lua.Prelude + $$"""
        local t = now_ms()
        local ts = tostring(t)
        D, C = {}, {}
        local until_ms = tostring(t + tonumber(ARGV[2]))
        local out, claims, results = {}, {}, {}
        local function ending(id, tok)
          local j = P..'j:'..id
          local h = redis.call('HMGET', j, 'st', 'tok', 'fn', 'att', 'sat', 'node', 'ek', 'ec', 'cb', 'sync', 'w', 'nl')
          if h[1] ~= '{{Lua.Running}}' or h[2] ~= tok then return nil, nil end
          unrun(id, h[3], h[6])
          return j, h
        end
        local function ack(id, tok, result, rct, log)
          local j, h = ending(id, tok)
          if not j then return 0 end
          results[#results + 1] = P..'r:'..id; results[#results + 1] = result
          local f = {'rct', rct}
          -- A success that printed nothing has no entry in a:ID: the job hash (att, sat, node,
          -- fat) is its attempt, which readers add (RedisStore.Record). One write and one key
          -- fewer per job.
          if log ~= '' then
            f[3] = 'nl'; f[4] = attempt(id, h[4], h[5], h[6], '{{AttemptOutcomes.Succeeded}}', nil, nil, nil, log, t, h[12])
          end
          if h[7] or h[8] then redis.call('HDEL', j, 'ek', 'em', 'ec') end
          idx(id, h[3], '{{Lua.Running}}', '{{Lua.Succeeded}}')
          ended(id, j, h[3], '{{Lua.Succeeded}}', ts, h[4], nil, nil, nil, {h[9], h[10], h[11]}, f)
          return 1
        end
        -- Retry and dead letter are one change but for where the job goes: scheduled again, or ended.
        local function fail(id, tok, runat, ek, em, ec, log)
          local j, h = ending(id, tok)
          if not j then return 0 end
          local nl = attempt(id, h[4], h[5], h[6], '{{AttemptOutcomes.Failed}}', ek, em, ec, log, t, h[12])
          local f = {'ek', ek, 'em', em}
          if nl then f[#f + 1] = 'nl'; f[#f + 1] = nl end
          if ec ~= '' then f[#f + 1] = 'ec'; f[#f + 1] = ec elseif h[8] then redis.call('HDEL', j, 'ec') end
          if runat ~= '' then
            local run = math.max(tonumber(runat), t)
            f[#f + 1] = 'st'; f[#f + 1] = {{Lua.Scheduled}}; f[#f + 1] = 'run'; f[#f + 1] = run
            redis.call('HSET', j, unpack(f))
            idx(id, h[3], '{{Lua.Running}}', '{{Lua.Scheduled}}')
            wait(id, h[3], run, t)
          else
            idx(id, h[3], '{{Lua.Running}}', '{{Lua.Failed}}')
            ended(id, j, h[3], '{{Lua.Failed}}', ts, h[4], ek, em, ec, {h[9], h[10], h[11]}, f)
          end
          return 1
        end
        local i, k = 3, 0
        while i <= #ARGV do
          k = k + 1
          local kind = ARGV[i]
          if kind == 'c' then
            local fn = ARGV[i + 1]
            local list = claims[fn]
            if not list then list = {}; claims[fn] = list end
            list[#list + 1] = {k, ARGV[i + 2]}
            i = i + 3
          elseif kind == 'a' then
            out[k] = ack(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5])
            i = i + 6
          else
            out[k] = fail(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5], ARGV[i + 6], ARGV[i + 7])
            i = i + 8
          end
        end
        for i = 1, #results, 1000 do redis.call('MSET', unpack(results, i, math.min(i + 999, #results))) end
        for fn, list in pairs(claims) do
          local n, got, status = #list, {}, nil
          local m = redis.call('HMGET', P..'f:'..fn, 'paused', 'maxage')
          if m[1] == '1' then
            status = {0}
          else
            local maxage = tonumber(m[2])
            local q = P..'q:'..fn
            local looked = 0
            while #got < n and looked < 100 do
              local ids = redis.call('ZRANGE', q, '-inf', t, 'BYSCORE', 'LIMIT', 0, n - #got)
              if #ids == 0 then break end
              looked = looked + #ids
              many('ZREM', q, ids)
              for _, id in ipairs(ids) do
                local j = P..'j:'..id
                local h = redis.call('HMGET', j, 'st', 'att', 'max', 'cat', 'rq', 'sync', 'ct', 'cb', 'run', 'tr', 'tg')
                local born = tonumber(h[5] or h[4])
                if h[1] ~= '{{Lua.Queued}}' and h[1] ~= '{{Lua.Scheduled}}' then
                  -- not waiting (a leftover entry): nothing to hand out
                elseif maxage and born < t - maxage then
                  local em = "waited longer than the function's maxAge"
                  seterr(j, 'expired', em, nil)
                  idx(id, fn, h[1], '{{Lua.Failed}}')
                  ended(id, j, fn, '{{Lua.Failed}}', ts, h[2], 'expired', em, nil)
                else
                  got[#got + 1] = {id, j, h}
                end
              end
            end
            if #got < n then
              local top = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
              if #top == 0 then status = {1} elseif looked >= 100 then status = {2, t} else status = {2, tonumber(top[2])} end
            end
          end
          if #got > 0 then
            local tok = redis.call('INCRBY', P..'tok', #got) - #got
            local keys = {}
            for g, c in ipairs(got) do keys[g] = P..'p:'..c[1] end
            local payloads = redis.call('MGET', unpack(keys))
            for g, c in ipairs(got) do
              local id, j, h = c[1], c[2], c[3]
              local node = list[g][2]
              local att = tonumber(h[2]) + 1
              tok = tok + 1
              redis.call('HSET', j, 'st', '{{Lua.Running}}', 'att', att, 'tok', tok, 'node', node, 'sat', ts)
              zset(P..'lease', id, until_ms)
              hincr(P..'rn:'..fn, node, 1)
              idx(id, fn, h[1], '{{Lua.Running}}')
              out[list[g][1]] = {3, id, att, h[3], h[4], tok, h[6], h[7], h[8], t, h[9], h[10], h[11], payloads[g]}
            end
          end
          for g = #got + 1, n do out[list[g][1]] = status end
        end
        flush()
        return out
        """);

    /// <summary>ARGV: P, id, token, lease ms. 1 when renewed, 0 when fenced.</summary>
    public static readonly RedisScript Renew = new(Lua.Prelude + """
        if fenced(P..'j:'..ARGV[2], ARGV[3]) then return 0 end
        redis.call('ZADD', P..'lease', now_ms() + tonumber(ARGV[4]), ARGV[2])
        return 1
        """);

    /// <summary>
    /// ARGV: P, id. Marks a job someone waits for (not a sync one, whose end is always told), so
    /// its end is told on the end channel; a job already ended or unknown is left alone.
    /// </summary>
    public static readonly RedisScript Watch = new(Lua.Prelude + $$"""
        local j = P..'j:'..ARGV[2]
        local h = redis.call('HMGET', j, 'st', 'sync')
        if h[2] ~= '1' and (h[1] == '{{Lua.Queued}}' or h[1] == '{{Lua.Scheduled}}' or h[1] == '{{Lua.Running}}') then
          redis.call('HSET', j, 'w', 1)
        end
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
        idx(id, h[1], '{{Lua.Running}}', '{{Lua.Queued}}')
        wait(id, h[1], run, t)
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
        local st, fn, t = h[1], h[2], now_ms()
        if st == '{{Lua.Queued}}' or st == '{{Lua.Scheduled}}' then
          redis.call('ZREM', P..'q:'..fn, id)
          idx(id, fn, st, '{{Lua.Canceled}}')
          ended(id, j, fn, '{{Lua.Canceled}}', tostring(t), h[3], nil, nil, nil)
          return 1
        end
        if st ~= '{{Lua.Running}}' then return 0 end
        unrun(id, fn, h[5])
        attempt(id, h[3], h[4], h[5], '{{AttemptOutcomes.Canceled}}', 'canceled', ARGV[3], nil, '', t)
        seterr(j, 'canceled', ARGV[3], nil)
        idx(id, fn, st, '{{Lua.Canceled}}')
        ended(id, j, fn, '{{Lua.Canceled}}', tostring(t), h[3], 'canceled', ARGV[3], nil)
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
        idx(id, fn, '{{Lua.Failed}}', '{{Lua.Queued}}')
        wait(id, fn, t, t)
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
          idx(id, fn, st, nil)
          if h[4] and redis.call('GET', h[4]) == id then redis.call('DEL', h[4]) end
          local tomb = redis.call('GET', P..'tomb')
          if not tomb or id > tomb then redis.call('SET', P..'tomb', id) end
          local left = redis.call('EXISTS', P..'rn:'..fn)
          for _, s in ipairs({'{{Lua.Queued}}', '{{Lua.Scheduled}}', '{{Lua.Succeeded}}', '{{Lua.Failed}}', '{{Lua.Canceled}}'}) do
            left = left + redis.call('ZCARD', P..'xf:'..fn..':'..s)
          end
          if left == 0 then redis.call('SREM', P..'fns', fn) end
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
