using Fjord.Storage.Redis;
using Fjord.Tests.Shared;

namespace Fjord.Backends.Tests;

/// <summary>deploy.md's least-privilege user is the one the Redis contract suite runs as (RedisBackend): the same commands, word for word.</summary>
public sealed class RedisAclTests
{
    [Fact]
    public void DeployMd_ShowsExactlyTheCommandsTheSuiteRunsWith()
    {
        var deploy = File.ReadAllText(Path.Combine(Services.RepoRoot, "docs", "deploy.md"));
        Assert.Contains("user fjord on >PASSWORD resetkeys resetchannels ~fjord:* &fjord:* " + RedisAcl.Commands + "\n", deploy, StringComparison.Ordinal);
    }
}
