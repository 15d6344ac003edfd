using Fjord.Core.Jobs;

namespace Fjord.Storage.Redis;

/// <summary>
/// The pieces every state-changing script shares. Each change of a job's state is one script, so
/// Redis runs it alone: the job hash, the waiting set, the lease set, the status indexes, the
/// totals, the callback row and the notices move together or not at all (a job is never in two
/// states or none). Status numbers come from <see cref="JobStatus"/>, the one table every backend
/// writes. ARGV[1] is always the key prefix; times are the server's clock (TIME), the one clock
/// every node shares, as PostgreSQL's now() is for that backend.
/// </summary>
internal static class Lua
{
    public const int Queued = (int)JobStatus.Queued;
    public const int Scheduled = (int)JobStatus.Scheduled;
    public const int Running = (int)JobStatus.Running;
    public const int Succeeded = (int)JobStatus.Succeeded;
    public const int Failed = (int)JobStatus.Failed;
    public const int Canceled = (int)JobStatus.Canceled;

    /// <summary>
    /// <c>#!lua</c>: Redis 7 refuses the whole script before it runs when the server is out of
    /// memory (noeviction), instead of failing halfway through it.
    /// </summary>
    public static readonly string Prelude = $$"""
        #!lua
        local P = ARGV[1]
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end
        -- Sorted-set and counter writes: at once, or, once a script sets D = {}, gathered and
        -- sent by flush() as one ZADD / ZREM / HINCRBY per key (the batch scripts: a command
        -- per key per batch instead of per job). The last write of a member wins, as it would
        -- have run in order; nothing the script reads back is deferred (the waiting sets q:FN
        -- are always written at once).
        local D, C = nil, nil
        local function zset(key, member, score)
          if not D then
            if score then redis.call('ZADD', key, score, member) else redis.call('ZREM', key, member) end
            return
          end
          local k = D[key]
          if not k then k = {}; D[key] = k end
          k[member] = score or false
        end
        local function hincr(key, field, n, dropzero)
          if not C then
            if redis.call('HINCRBY', key, field, n) <= 0 and dropzero then redis.call('HDEL', key, field) end
            return
          end
          local k = C[key]
          if not k then k = {}; C[key] = k end
          local f = k[field]
          if not f then f = {0, dropzero}; k[field] = f end
          f[1] = f[1] + n
        end
        local function many(cmd, key, list)
          for i = 1, #list, 1000 do
            redis.call(cmd, key, unpack(list, i, math.min(i + 999, #list)))
          end
        end
        local function flush()
          for key, members in pairs(D) do
            local adds, rems = {}, {}
            for m, score in pairs(members) do
              if score then adds[#adds + 1] = score; adds[#adds + 1] = m else rems[#rems + 1] = m end
            end
            if #rems > 0 then many('ZREM', key, rems) end
            if #adds > 0 then many('ZADD', key, adds) end
          end
          for key, fields in pairs(C) do
            for field, f in pairs(fields) do
              if f[1] ~= 0 and redis.call('HINCRBY', key, field, f[1]) <= 0 and f[2] then redis.call('HDEL', key, field) end
            end
          end
          D, C = {}, {}
        end
        -- Running jobs have no status index of their own: the lease set holds exactly them
        -- (listings read it), so a claim and its completion write one key fewer each. States,
        -- scores and times go to redis.call as strings where the script has them so: a Lua
        -- number is formatted with printf's %.17g on every call, a measurable share of the
        -- server's CPU per job.
        local function idx(id, fn, old, new)
          if old and old ~= '{{Running}}' then zset(P..'xf:'..fn..':'..old, id) end
          if new and new ~= '{{Running}}' then zset(P..'xf:'..fn..':'..new, id, '0') end
        end
        -- Fetchers sleep only after finding nothing due (or the function paused, which resume
        -- tells): a queue that already had a job due has no sleeping fetcher to wake, so the
        -- notice is sent only when it had none.
        local function nothing_due(q, t)
          local top = redis.call('ZRANGE', q, 0, 0, 'WITHSCORES')
          return #top == 0 or tonumber(top[2]) > t
        end
        local function wait(id, fn, due, t)
          local q = P..'q:'..fn
          local tell = nothing_due(q, t)
          redis.call('ZADD', q, due, id)
          if tell then redis.call('PUBLISH', P..'work', fn) end
        end
        local function unrun(id, fn, node)
          zset(P..'lease', id)
          if node then hincr(P..'rn:'..fn, node, -1, true) end
        end
        -- An attempt's log goes to l:ID only when it has one (most jobs print nothing): the
        -- attempt names its place there (l), counted by the job hash's nl, which the caller
        -- sets to the returned value.
        local function attempt(id, n, started, node, outcome, ek, em, ec, log, t, nl)
          local a = {n = tonumber(n), s = tonumber(started) or t, f = t, o = outcome}
          if node then a.node = node end
          if ek then a.ek = ek; a.em = em or '' end
          if ec and ec ~= '' then a.ec = tonumber(ec) end
          local pushed = nil
          if log and log ~= '' then
            a.l = tonumber(nl) or 0
            redis.call('RPUSH', P..'l:'..id, log)
            pushed = a.l + 1
          end
          redis.call('RPUSH', P..'a:'..id, cjson.encode(a))
          return pushed
        end
        local function seterr(j, ek, em, ec)
          if ek then
            redis.call('HSET', j, 'ek', ek, 'em', em or '')
          else
            redis.call('HDEL', j, 'ek', 'em')
          end
          if ec and ec ~= '' then redis.call('HSET', j, 'ec', ec) else redis.call('HDEL', j, 'ec') end
        end
        -- c: the job's cb, sync and w fields when the caller has read them already. The end is
        -- told on the end channel only when someone may wait for it: a sync invocation, or a
        -- waiter that marked the job (w). st: the state as a string; ts: the time as one.
        local function ended(id, j, fn, st, ts, att, ek, em, ec, c, extra)
          c = c or redis.call('HMGET', j, 'cb', 'sync', 'w')
          local fields = extra or {}
          fields[#fields + 1] = 'st'; fields[#fields + 1] = st
          fields[#fields + 1] = 'fat'; fields[#fields + 1] = ts
          redis.call('HSET', j, unpack(fields))
          zset(P..'e:'..fn..':'..st, id, ts)
          if st == '{{Failed}}' then
            zset(P..'d:'..fn..':'..(ek or 'none'), id, ts)
            hincr(P..'st:'..fn, 'fail', 1)
          elseif st == '{{Succeeded}}' then
            hincr(P..'st:'..fn, 'ok', 1)
          end
          local cb = c[1]
          if cb then
            local cid = redis.call('INCR', P..'cbseq')
            local k = P..'cb:'..cid
            redis.call('HSET', k, 'job', id, 'url', cb, 'st', st, 'att', att, 'tries', 0)
            if ek then redis.call('HSET', k, 'ek', ek, 'em', em or '') end
            if ec and ec ~= '' then redis.call('HSET', k, 'ec', ec) end
            redis.call('ZADD', P..'cbdue', ts, cid)
            redis.call('SADD', P..'cbs:'..id, cid)
          end
          if c[2] == '1' or c[3] then redis.call('PUBLISH', P..'end', id) end
        end
        local function takeback(id, reason, t)
          local j = P..'j:'..id
          local h = redis.call('HMGET', j, 'fn', 'att', 'max', 'sat', 'node', 'run')
          local fn, att = h[1], tonumber(h[2])
          unrun(id, fn, h[5])
          attempt(id, att, h[4], h[5], '{{AttemptOutcomes.Lost}}', 'crash', reason, nil, '', t)
          seterr(j, 'crash', reason, nil)
          if att >= tonumber(h[3]) then
            idx(id, fn, '{{Running}}', '{{Failed}}')
            ended(id, j, fn, '{{Failed}}', tostring(t), att, 'crash', reason, nil)
          else
            local run = math.min(tonumber(h[6]), t)
            redis.call('HSET', j, 'st', {{Queued}}, 'run', run)
            idx(id, fn, '{{Running}}', '{{Queued}}')
            wait(id, fn, run, t)
          end
        end
        local function fenced(j, tok)
          local h = redis.call('HMGET', j, 'st', 'tok')
          return h[1] ~= '{{Running}}' or h[2] ~= tok
        end

        """;

    /// <summary>Read-only scripts run even when the server is full, and never write.</summary>
    public const string ReadPrelude = """
        #!lua flags=no-writes
        local P = ARGV[1]
        local function now_ms()
          local t = redis.call('TIME')
          return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        end

        """;
}
