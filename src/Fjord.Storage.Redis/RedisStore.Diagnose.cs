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
        var where = string.Join(",", config.EndPoints.Select(EndPointCollection.ToString)) + (config.Ssl ? " over TLS" : "");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(config);
        try
        {
            await redis.GetDatabase().PingAsync();
        }
        catch (RedisConnectionException e) when (e.FailureType == ConnectionFailureType.AuthenticationFailure && !IsTls(e))
        {
            return [new("reachable", true, where), new("auth", false, $"the server refused the user or password ({FirstLine(e.Message)})", "fix the user and password in the Redis URI (docs/deploy.md: the fjord ACL user)")];
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            return [new("reachable", false, $"{where}: {FirstLine(e.Message)}", config.Ssl
                ? "check host, port and the TLS port; with a private CA set FJORD_REDIS_CA to its PEM file"
                : "check host and port, and that redis-server listens there (bind, firewall)")];
        }
        return [new("reachable", true, where), new("auth", true, config.User is null ? "accepted" : $"user {config.User} accepted"), .. await ServerCheck.InspectAsync(redis.GetDatabase())];
    }

    /// <summary>The client reports a refused certificate as an authentication failure too: that is a TLS problem, not a password.</summary>
    private static bool IsTls(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is System.Security.Authentication.AuthenticationException || x.Message.Contains("certificate", StringComparison.OrdinalIgnoreCase))
                return true;
        }
        return false;
    }

    private static string FirstLine(string text) => text.Split('\n', 2)[0].Trim();
}
