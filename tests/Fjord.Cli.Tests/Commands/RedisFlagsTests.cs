using Fjord.Cli.Tests.Support;

namespace Fjord.Cli.Tests.Commands;

/// <summary>The `--redis-*` flags: a bad value is a usage error (exit 2, one line) before any connection is tried.</summary>
public sealed class RedisFlagsTests : IDisposable
{
    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    private static readonly Dictionary<string, string> Backend = new() { ["FJORD_BACKEND"] = "redis://fjord:secret@127.0.0.1:1/0" };

    [Theory]
    [InlineData("--redis-max-body", "lots", "--redis-max-body must be a size of at least 1Ki")]
    [InlineData("--redis-max-body", "512", "--redis-max-body must be a size of at least 1Ki")]
    [InlineData("--redis-replicas", "-1", "--redis-replicas must be 0 or more")]
    [InlineData("--redis-replica-timeout", "soon", "--redis-replica-timeout must be a duration")]
    public async Task Gateway_WithABadRedisFlag_ExitsWithUsage(string flag, string value, string error)
    {
        var run = await CliRun.RunAsync(["gateway", flag, value], temp.Path, Backend);

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        run.AssertOneErrorLine(error);
    }
}
