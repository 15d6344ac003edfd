using System.Collections.Concurrent;

namespace Fjord.Runtime.Tests;

/// <summary>
/// Network functions started several at a time, folder- and image-rooted: every start gets its
/// network. Attaching once raced bwrap's own setup of the namespace (its child died when
/// slirp4netns brought lo up first, or slirp4netns joined the nested user namespace bwrap makes
/// for --disable-userns), failing a few starts in a hundred, more at once and under load.
/// </summary>
public sealed class PrivateNetworkStartTests
{
    private const int Starts = 24;

    [Fact]
    public async Task FolderFunctions_StartedTogether_EachGetsLoopbackTapAndRoute()
    {
        Assert.True(Sandbox.Host.Status.PrivateNetwork, "slirp4netns is needed for network: true");
        // Routes from /proc/net/route (tap0's default via 10.0.2.2, little-endian hex); the block is
        // SandboxTests' (169.254.169.254 answers EACCES).
        var spec = Run.Exec("/bin/sh", "-c", "/usr/sbin/ip -o -4 addr show; cat /proc/net/route") with { Network = true };

        var texts = await StartAllAsync(() => Run.OnceAsync(spec, null, sandbox: true));

        Assert.All(texts, text =>
        {
            Assert.Matches(@"lo\s+inet 127\.0\.0\.1/8", text);
            Assert.Matches(@"tap0\s+inet 10\.0\.2\.100/24", text);
            Assert.Contains("tap0\t00000000\t0202000A", text, StringComparison.Ordinal);
        });
    }

    [Fact]
    public async Task ImageFunctions_StartedTogether_EachGetsItsNetwork()
    {
        Assert.True(Sandbox.Host.Status.PrivateNetwork, "slirp4netns is needed for network: true");
        using var image = BuiltImage.Create(new { Cmd = new[] { "/bin/true" } }, Layers.Busybox());
        // The image has no ip: /proc/net/route shows tap0's default route (via 10.0.2.2, little-endian hex).
        var spec = Run.Exec("/bin/sh", "-c", "cat /etc/resolv.conf; grep -c '^tap0\t00000000\t0202000A' /proc/net/route") with { Name = "t-image", Network = true };

        var texts = await StartAllAsync(async () =>
        {
            await using var runner = RunnerFactory.Create(spec, null, Run.Options(true), image.Root);
            return await runner.RunAsync(Run.Request(""), CancellationToken.None);
        });

        Assert.All(texts, text => Assert.Equal("nameserver 10.0.2.3\n1\n", text));
    }

    private static async Task<List<string>> StartAllAsync(Func<Task<RunResult>> start)
    {
        var results = new ConcurrentBag<RunResult>();
        await Parallel.ForEachAsync(Enumerable.Range(0, Starts), new ParallelOptions { MaxDegreeOfParallelism = 4 },
            async (_, _) => results.Add(await start()));
        var failed = results.Where(r => r.Error is not null).Select(r => $"{r.Error!.Message} {r.Log}").ToList();
        Assert.True(failed.Count == 0, $"{failed.Count} of {Starts} starts failed:\n{string.Join('\n', failed.Take(5))}");
        return [.. results.Select(r => r.Text())];
    }
}
