namespace Fjord.Storage.Redis;

/// <summary>
/// The least-privilege ACL of Fjord's Redis user: exactly the commands the store sends (its own,
/// the scripts' redis.call()s, the client's handshake), on its own keys and channels. docs/deploy.md
/// shows this line and the contract suite runs as a user with these rights alone, so a command the
/// store starts to use without adding it here fails a test. CLIENT ID and CLUSTER NODES are the
/// client's handshake (it goes on without them, but the refusals would fill the ACL log).
/// </summary>
public static class RedisAcl
{
    public const string Commands =
        "-@all +ping +echo +info +config|get +client|setname +client|id +cluster|nodes +select " +
        "+evalsha +script|load +multi +exec +discard +wait +time " +
        "+get +set +setnx +mget +mset +strlen +getrange +exists +del +unlink +incr +incrby " +
        "+hget +hmget +hgetall +hset +hsetnx +hdel +hincrby " +
        "+rpush +lindex +lrange +sadd +srem +smembers +sunion " +
        "+zadd +zrem +zcard +zcount +zrange +zrangebyscore +zrevrangebylex " +
        "+publish +subscribe +unsubscribe";

    /// <summary>The whole <c>ACL SETUSER</c> rule list for a user limited to keys and channels under <paramref name="prefix"/>.</summary>
    public static string[] Rules(string prefix) => ["resetkeys", "resetchannels", $"~{prefix}*", $"&{prefix}*", .. Commands.Split(' ')];
}
