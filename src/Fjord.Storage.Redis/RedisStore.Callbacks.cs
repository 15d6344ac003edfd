using System.Globalization;
using Fjord.Core.Jobs;
using Fjord.Core.Storage;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// The callback outbox: cb:ID hashes written by the script that ends the job, due times in the
/// cbdue sorted set. A claim moves a row's due time past the hold, so a crashed delivery comes
/// due again (at least once); each try is appended to the job's ct:ID list.
/// </summary>
public sealed partial class RedisStore : ICallbackOutbox
{
    /// <summary>ARGV: P, max, hold ms. Returns, per claimed row: id, job, url, status, attempt, kind, message, exit code, tries.</summary>
    private static readonly RedisScript ClaimCallbacks = new(Lua.Prelude + """
        local t = now_ms()
        local out = {}
        for _, cid in ipairs(redis.call('ZRANGEBYSCORE', P..'cbdue', '-inf', t, 'LIMIT', 0, tonumber(ARGV[2]))) do
          redis.call('ZADD', P..'cbdue', t + tonumber(ARGV[3]), cid)
          local h = redis.call('HMGET', P..'cb:'..cid, 'job', 'url', 'st', 'att', 'ek', 'em', 'ec', 'tries')
          out[#out + 1] = {cid, h[1], h[2], h[3], h[4], h[5], h[6], h[7], h[8]}
        end
        return out
        """);

    /// <summary>ARGV: P, id, at, status code or '', error or '', next try ms or '' (done).</summary>
    private static readonly RedisScript RecordCallback = new(Lua.Prelude + """
        local c = P..'cb:'..ARGV[2]
        local h = redis.call('HMGET', c, 'job', 'st')
        if not h[1] then return 0 end
        local try = {at = tonumber(ARGV[3]), st = tonumber(h[2])}
        if ARGV[4] ~= '' then try.sc = tonumber(ARGV[4]) end
        if ARGV[5] ~= '' then try.err = ARGV[5] end
        redis.call('RPUSH', P..'ct:'..h[1], cjson.encode(try))
        redis.call('HINCRBY', c, 'tries', 1)
        if ARGV[6] == '' then
          redis.call('ZREM', P..'cbdue', ARGV[2])
          redis.call('DEL', c)
          redis.call('SREM', P..'cbs:'..h[1], ARGV[2])
        else
          redis.call('ZADD', P..'cbdue', tonumber(ARGV[6]), ARGV[2])
        end
        return 1
        """);

    public async Task<IReadOnlyList<PendingCallback>> ClaimDueCallbacksAsync(int max, TimeSpan hold, CancellationToken cancellationToken)
    {
        var rows = (RedisResult[])(await RunAsync(ClaimCallbacks, max, (long)hold.TotalMilliseconds))!;
        var list = new List<PendingCallback>(rows.Length);
        foreach (RedisResult[] r in rows.Select(r => (RedisResult[])r!))
        {
            if (r[1].IsNull)
                continue;
            var kind = r[5].IsNull ? null : JobScripts.Kind((string?)r[5]);
            var error = kind is { } k ? new JobError(k, (string?)r[6] ?? "", r[7].IsNull ? null : int.Parse((string)r[7]!, CultureInfo.InvariantCulture)) : null;
            list.Add(new PendingCallback(
                long.Parse((string)r[0]!, CultureInfo.InvariantCulture),
                (string)r[1]!,
                (string)r[2]!,
                (JobStatus)int.Parse((string)r[3]!, CultureInfo.InvariantCulture),
                int.Parse((string)r[4]!, CultureInfo.InvariantCulture),
                error,
                int.Parse((string)r[8]!, CultureInfo.InvariantCulture)));
        }
        return list;
    }

    public async Task RecordCallbackAsync(long callbackId, CallbackDelivery delivery, DateTimeOffset? nextTry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        await RunAsync(RecordCallback, callbackId, UnixMs.From(delivery.At), delivery.StatusCode?.ToString(CultureInfo.InvariantCulture) ?? "",
            delivery.Error ?? "", nextTry is { } next ? UnixMs.From(next).ToString(CultureInfo.InvariantCulture) : "");
    }
}
