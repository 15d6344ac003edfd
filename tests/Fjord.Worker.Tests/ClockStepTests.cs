using System.Collections.Concurrent;
using System.Text;
using Fjord.Core;
using Fjord.Core.Jobs;
using Fjord.Storage.Sqlite.Tests;

namespace Fjord.Worker.Tests;

/// <summary>
/// Steps of the wall clock under load, on a real store with a real worker: the node's clock
/// (SteadyClock, as `fjord up` wires it) must not let a step forward expire running leases, nor
/// a step back strand retries an hour out. The wall clock is injected (ManualTime): a real step
/// of the machine's clock cannot be made inside one test process without touching every other.
/// </summary>
public sealed class ClockStepTests
{
    [Fact]
    public async Task WallClockSteppedBothWaysUnderLoad_NoLeaseExpires_NoJobRunsTwice_NoRetryIsStranded()
    {
        var wall = new ManualTime(DateTimeOffset.UtcNow);
        await using var f = await WorkerFixture.CreateAsync(new SteadyClock(wall), lease: TimeSpan.FromSeconds(2));
        await f.DeployAsync("steady", concurrency: 4, maxAttempts: 3);
        var runs = new ConcurrentDictionary<string, int>();
        await f.StartAsync(async (request, ct) =>
        {
            var run = runs.AddOrUpdate(request.JobId, 1, (_, n) => n + 1);
            await Task.Delay(600, ct);
            // Every third job fails its first attempt, so retries are scheduled across the steps.
            var index = int.Parse(Encoding.UTF8.GetString(request.Payload.Span)[1..]);
            return index % 3 == 0 && run == 1 ? ScriptedRunner.Fail(ErrorKind.Exit, "first try fails") : ScriptedRunner.Ok("ok");
        });
        var ids = await f.EnqueueAsync("steady", 24);

        foreach (var step in new[] { TimeSpan.FromHours(1), -TimeSpan.FromHours(1), -TimeSpan.FromHours(1), TimeSpan.FromHours(1) })
        {
            await Task.Delay(900);
            wall.Advance(step);
        }

        // A retry stranded an hour out would not end within the wait.
        var failingFirst = ids.Where((_, i) => i % 3 == 0).ToHashSet();
        foreach (var id in ids)
        {
            var record = await f.WaitForEndAsync(id);
            Assert.Equal(JobStatus.Succeeded, record.Status);
            Assert.DoesNotContain(record.Attempts, a => a.Outcome == "lost");
            Assert.Equal(failingFirst.Contains(id) ? 2 : 1, runs[id]);
        }
    }
}
