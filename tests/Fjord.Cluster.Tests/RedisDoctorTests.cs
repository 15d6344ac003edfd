using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>
/// `fjord doctor --role gateway|worker --backend redis…`: the private Redis over verified TLS
/// passes every line; a Redis of this test's own with appendfsync everysec fails the durability
/// line with its fix (the shared server is never reconfigured).
/// </summary>
public sealed class RedisDoctorTests
{
    [Fact]
    public async Task Doctor_Worker_OnTheTestRedisOverTls_PassesEveryRedisLine()
    {
        var (code, output) = await DoctorAsync("worker", Services.RedisTlsUri, Services.TlsCa);

        Assert.True(code == 0, output);
        foreach (var line in new[] { "redis reachable", "redis auth", "redis eviction", "redis version", "redis durability" })
            Assert.Contains("ok    " + line, output, StringComparison.Ordinal);
        Assert.DoesNotContain("FAIL", output, StringComparison.Ordinal);
        Assert.DoesNotContain(new Uri(Services.RedisTlsUri).UserInfo.Split(':')[1], output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Doctor_Gateway_OnARedisWithEverysec_FailsDurabilityWithItsFix()
    {
        await using var redis = await PrivateRedis.StartAsync("--appendfsync", "everysec");

        var (code, output) = await DoctorAsync("gateway", redis.Uri, null);

        Assert.Equal(1, code);
        Assert.Contains("ok    redis reachable", output, StringComparison.Ordinal);
        Assert.Matches(@"FAIL  redis durability .*appendfsync everysec.*; fix: set appendonly yes and appendfsync always", output);
        Assert.Contains("ok    redis eviction", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, string Output)> DoctorAsync(string role, string backend, string? ca) =>
        DoctorClusterTests.RunDoctorAsync(role, ca is null
            ? new Dictionary<string, string> { ["FJORD_BACKEND"] = backend }
            : new Dictionary<string, string> { ["FJORD_BACKEND"] = backend, ["FJORD_REDIS_CA"] = ca });
}
