using Fjord.Storage.Redis;

namespace Fjord.Cli.Doctor;

/// <summary>
/// `fjord doctor --role gateway|worker` with a Redis backend: reachable, credentials, and the
/// settings the node's start check (Fjord.Storage.Redis.ServerCheck) requires, one line each.
/// </summary>
internal static class RedisChecks
{
    public static async Task<IEnumerable<DoctorCheck>> RunAsync(string uri, string? caFile, TimeSpan timeout)
    {
        IReadOnlyList<ServerFact> facts;
        try
        {
            facts = await RedisStore.DiagnoseAsync(uri, caFile is { Length: > 0 } ? caFile : null, timeout);
        }
        catch (Exception e) when (e is ArgumentException or IOException or System.Security.Cryptography.CryptographicException)
        {
            facts = [new("reachable", false, e.Message, "fix the Redis URI ($FJORD_BACKEND) or the CA file ($FJORD_REDIS_CA)")];
        }
        return facts.Select(f => new DoctorCheck("redis " + f.Name, f.Ok, f.Detail, f.Fix));
    }
}
