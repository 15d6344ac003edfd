using StackExchange.Redis;

namespace Fjord.Storage.Redis;

public sealed partial class RedisStore
{
    /// <summary>
    /// For `fjord doctor`: connects as a node would (same URI and CA), then says line by line
    /// whether the server is reachable, takes the credentials, and is configured as the start
    /// check (<see cref="ServerCheck"/>) requires. Opens nothing else and changes nothing.
    /// </summary>
    public static async Task<IReadOnlyList<ServerFact>> DiagnoseAsync(string connectionString, string? tlsCaFile, TimeSpan timeout)
    {
        var config = RedisUri.Parse(connectionString, tlsCaFile);
        config.ConnectTimeout = (int)timeout.TotalMilliseconds;
        config.ConnectRetry = 1;
        // A node keeps trying a server that is down (AbortOnConnectFail off); doctor asks once and
        // wants the reason, which the client gives (as the failure type) only when the connect
        // itself fails: a later command would say only "no connection is available".
        config.AbortOnConnectFail = true;
        var where = string.Join(",", config.EndPoints.Select(EndPointCollection.ToString)) + (config.Ssl ? " over TLS" : "");
        ConnectionMultiplexer redis;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(config);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            // The client reports a refused certificate as an authentication failure, or only as
            // "no connection is available": the TLS verdict comes from a handshake of our own,
            // the one the start uses (RedisUri.TlsRefusalAsync), before the password is blamed.
            if (await RedisUri.TlsRefusalAsync(connectionString, tlsCaFile, timeout) is { } refusal)
                return [new("reachable", false, $"{where}: {refusal}", "with a private CA set FJORD_REDIS_CA to its PEM file")];
            if (e is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure })
                return [new("reachable", true, where), new("auth", false, $"the server refused the user or password ({FirstLine(e.Message)})", "fix the user and password in the Redis URI (docs/deploy.md: the fjord ACL user)")];
            return [new("reachable", false, $"{where}: {FirstLine(e.Message)}", config.Ssl
                ? "check host, port and the TLS port; with a private CA set FJORD_REDIS_CA to its PEM file"
                : "check host and port, and that redis-server listens there (bind, firewall)")];
        }
        await using (redis)
            return [new("reachable", true, where), new("auth", true, config.User is null ? "accepted" : $"user {config.User} accepted"), .. await ServerCheck.InspectAsync(redis.GetDatabase())];
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
