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
        local function idx(id, fn, old, new)
          if old then
            redis.call('ZREM', P..'xa:'..old, id)
            redis.call('ZREM', P..'xf:'..fn..':'..old, id)
          end
          if new then
            redis.call('ZADD', P..'xa:'..new, 0, id)
            redis.call('ZADD', P..'xf:'..fn..':'..new, 0, id)
          end
        end
        local function wait(id, fn, due)
          redis.call('ZADD', P..'q:'..fn, due, id)
          redis.call('PUBLISH', P..'work', fn)
        end
        local function unrun(id, fn, node)
          redis.call('ZREM', P..'lease', id)
          if node and redis.call('HINCRBY', P..'rn:'..fn, node, -1) <= 0 then
            redis.call('HDEL', P..'rn:'..fn, node)
          end
        end
        local function attempt(id, n, started, node, outcome, ek, em, ec, log, t)
          local a = {n = tonumber(n), s = tonumber(started) or t, f = t, o = outcome}
          if node then a.node = node end
          if ek then a.ek = ek; a.em = em or '' end
          if ec and ec ~= '' then a.ec = tonumber(ec) end
          redis.call('RPUSH', P..'a:'..id, cjson.encode(a))
          redis.call('RPUSH', P..'l:'..id, log or '')
        end
        local function seterr(j, ek, em, ec)
          if ek then
            redis.call('HSET', j, 'ek', ek, 'em', em or '')
          else
            redis.call('HDEL', j, 'ek', 'em')
          end
          if ec and ec ~= '' then redis.call('HSET', j, 'ec', ec) else redis.call('HDEL', j, 'ec') end
        end
        local function ended(id, j, fn, st, t, att, ek, em, ec)
          redis.call('HSET', j, 'st', st, 'fat', t)
          redis.call('ZADD', P..'e:'..fn..':'..st, t, id)
          if st == {{Failed}} then
            redis.call('ZADD', P..'d:'..fn..':'..(ek or 'none'), t, id)
            redis.call('HINCRBY', P..'st:'..fn, 'fail', 1)
          elseif st == {{Succeeded}} then
            redis.call('HINCRBY', P..'st:'..fn, 'ok', 1)
          end
          local cb = redis.call('HGET', j, 'cb')
          if cb then
            local cid = redis.call('INCR', P..'cbseq')
            local c = P..'cb:'..cid
            redis.call('HSET', c, 'job', id, 'url', cb, 'st', st, 'att', att, 'tries', 0)
            if ek then redis.call('HSET', c, 'ek', ek, 'em', em or '') end
            if ec and ec ~= '' then redis.call('HSET', c, 'ec', ec) end
            redis.call('ZADD', P..'cbdue', t, cid)
            redis.call('SADD', P..'cbs:'..id, cid)
          end
          redis.call('PUBLISH', P..'end', id)
        end
        local function takeback(id, reason, t)
          local j = P..'j:'..id
          local h = redis.call('HMGET', j, 'fn', 'att', 'max', 'sat', 'node', 'run')
          local fn, att = h[1], tonumber(h[2])
          unrun(id, fn, h[5])
          attempt(id, att, h[4], h[5], '{{AttemptOutcomes.Lost}}', 'crash', reason, nil, '', t)
          seterr(j, 'crash', reason, nil)
          if att >= tonumber(h[3]) then
            idx(id, fn, {{Running}}, {{Failed}})
            ended(id, j, fn, {{Failed}}, t, att, 'crash', reason, nil)
          else
            local run = math.min(tonumber(h[6]), t)
            redis.call('HSET', j, 'st', {{Queued}}, 'run', run)
            idx(id, fn, {{Running}}, {{Queued}})
            wait(id, fn, run)
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
