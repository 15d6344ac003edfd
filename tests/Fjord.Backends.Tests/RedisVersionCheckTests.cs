using Fjord.Storage.Redis;

namespace Fjord.Backends.Tests;

/// <summary>The version line of the start check, from the text of INFO server (no Redis older than 7 is installed here to start one).</summary>
public sealed class RedisVersionCheckTests
{
    [Theory]
    [InlineData("# Server\r\nredis_version:7.0.15\r\nredis_mode:standalone\r\n", true)]
    [InlineData("# Server\r\nredis_version:7.2.4\r\n", true)]
    [InlineData("# Server\r\nredis_version:6.2.14\r\n", false)]
    [InlineData("# Server\r\nredis_version:5.0.7\r\n", false)]
    [InlineData("# Server\r\n", false)]
    public void VersionFact_PassesRedis7AndNewer_Only(string info, bool ok)
    {
        var fact = ServerCheck.VersionFact(info);
        Assert.Equal(ok, fact.Ok);
        if (!ok)
            Assert.Contains("Fjord needs Redis 7 or newer", fact.Detail, StringComparison.Ordinal);
    }
}
