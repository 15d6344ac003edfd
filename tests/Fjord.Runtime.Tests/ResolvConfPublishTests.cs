using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime.Tests;

/// <summary>
/// The resolv.conf a network function's sandbox binds is one file per folder (the node's temp
/// folder; in a test process the machine's /tmp, shared by every test class that starts a network
/// function). The first starts of a node often come together, and each of them may write it.
/// </summary>
public sealed class ResolvConfPublishTests
{
    [Fact]
    public void ResolvConf_WrittenByManyStartsAtOnce_EveryStartGetsTheWholeFile()
    {
        const int Starts = 4;
        for (var round = 0; round < 100; round++)
        {
            var dir = Directory.CreateTempSubdirectory("fjord-resolv-test-").FullName;
            try
            {
                // Threads of their own, released together: the pool would run them one after another.
                using var together = new Barrier(Starts);
                var failures = new System.Collections.Concurrent.ConcurrentBag<Exception>();
                var threads = Enumerable.Range(0, Starts).Select(_ => new Thread(() =>
                {
                    together.SignalAndWait();
                    try
                    {
                        Assert.Equal($"nameserver {PrivateNetwork.Nameserver}\n", File.ReadAllText(PrivateNetwork.ResolvConf(dir)));
                    }
                    catch (Exception e)
                    {
                        failures.Add(e);
                    }
                })).ToList();
                threads.ForEach(t => t.Start());
                threads.ForEach(t => t.Join());
                Assert.True(failures.IsEmpty, $"round {round}: {failures.Count} of {Starts} starts failed: {failures.FirstOrDefault()}");
                Assert.Equal(["fjord-resolv.conf"], Directory.GetFiles(dir).Select(Path.GetFileName));
            }
            finally
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }
}
