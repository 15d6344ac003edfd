using System.Text;
using System.Text.RegularExpressions;
using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

public sealed partial class ClusterTests
{
    /// <summary>
    /// An elastic pool {min 0, max 4} on a real <c>fjord worker</c> over RabbitMQ + PostgreSQL:
    /// a backlog grows it past one process, every job runs exactly once (one attempt each in the
    /// store, each result its own payload), and after idleTimeout it is back at zero with no
    /// function process left under the worker (found by PID through /proc).
    /// </summary>
    [Fact]
    public async Task ElasticPool_GrowsUnderABacklog_RunsEachJobOnce_AndReturnsToZero()
    {
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
        const string shell = "read p; sleep 0.3; echo $p";
        var spec = $$$"""{"runtime":"exec","command":["/bin/sh","-c","{{{shell}}}"],"concurrency":{"min":0,"max":4},"idleTimeout":"1s","targetWait":"100ms","timeout":"30s","maxAttempts":5}""";
        using (var deploy = await cluster.Http.PutAsync("/v1/functions/elastic", new StringContent(spec, Encoding.UTF8, "application/json")))
            Assert.True(deploy.IsSuccessStatusCode, $"deploy: {(int)deploy.StatusCode} {await deploy.Content.ReadAsStringAsync()}");
        var worker = await cluster.StartWorkerAsync("worker-a", Services.BrokerUri);

        var ids = await cluster.SubmitBatchAsync("elastic", Enumerable.Range(0, 24).Select(i => $"job-{i}"));
        // The check below for "no process left" must be able to see one: look while jobs run.
        var sawProcess = false;
        var watchUntil = DateTime.UtcNow.AddSeconds(20);
        while (!sawProcess && DateTime.UtcNow < watchUntil)
        {
            sawProcess = FunctionProcesses(worker.Pid).Count > 0;
            await Task.Delay(50);
        }
        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(90));
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        Assert.Equal(24, await cluster.CountAsync($"SELECT count(*) FROM attempts WHERE job_id IN ({string.Join(',', ids.Select(id => $"'{id}'"))})"));
        // Each job's own payload came back as its result: it ran, and ran with its own input.
        Assert.Equal(24, await cluster.CountAsync($"SELECT count(*) FROM jobs WHERE id IN ({string.Join(',', ids.Select(id => $"'{id}'"))}) AND convert_from(result, 'UTF8') = convert_from(payload, 'UTF8') || chr(10)"));
        Assert.True(sawProcess, "never saw a function process under the worker while jobs ran");

        var sizes = Regex.Matches(worker.Output, @"Pool elastic scaled (\d+) \S+ (\d+)").Select(m => int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.True(sizes.Count > 0 && sizes.Max() > 1 && sizes.Max() <= 4, worker.Output);

        // Back to zero after idleTimeout: the pool says so, and no process it ran is alive.
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!Regex.IsMatch(worker.Output, @"Pool elastic scaled 1 \S+ 0") && DateTime.UtcNow < until)
            await Task.Delay(200);
        Assert.Matches(@"Pool elastic scaled 1 \S+ 0", worker.Output);
        until = DateTime.UtcNow.AddSeconds(10);
        while (FunctionProcesses(worker.Pid).Count > 0 && DateTime.UtcNow < until)
            await Task.Delay(200);
        Assert.Empty(FunctionProcesses(worker.Pid));
    }

    /// <summary>PIDs of the worker's descendants running this test's function (its command line holds the script).</summary>
    private static List<int> FunctionProcesses(int worker) =>
        [.. ProcScan.Descendants(worker).Where(p => p.Cmdline.Contains("read p", StringComparison.Ordinal)).Select(p => p.Pid)];
}
