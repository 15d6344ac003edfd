using System.Net;
using System.Text;
using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// The promise behind every 202: a node SIGKILLed while jobs run and wait loses none of them.
/// </summary>
public sealed class CrashRecoveryTests
{
    private const string Project = """
        functions:
          sleepy:
            runtime: exec
            command: ["sh", "-c", "sleep 0.05; cat"]
            concurrency: 4
            timeout: 10s
            maxAttempts: 5
            backoff: { initial: 100ms, max: 1s }
        """;

    [Fact]
    public async Task Up_KilledWithJobsInFlight_EveryAcceptedJobSucceedsAfterRestart()
    {
        using var dir = new TempDir();
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, Project);
        await using var node = await FjordNode.StartAsync(dir.Combine("data"), yml);

        // Accept 300 jobs, 16 requests in flight; remember every id that got a 202.
        const int Total = 300;
        var ids = new string[Total];
        using (var gate = new SemaphoreSlim(16))
        {
            await Task.WhenAll(Enumerable.Range(0, Total).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    using var response = await node.Http.PostAsync("/v1/functions/sleepy/jobs", new StringContent($"job-{i}"));
                    Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
                    using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    ids[i] = doc.RootElement.GetProperty("id").GetString()!;
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        // Kill the node while some jobs have finished and others are running or waiting.
        await WaitUntilAsync(node, q => q.Succeeded >= 20, TimeSpan.FromSeconds(60));
        var before = await QueueAsync(node);
        Assert.True(before.Succeeded < Total, "the kill must land while work is still in flight");
        await node.KillAsync();

        await node.StartProcessAsync();
        var after = await WaitUntilAsync(node, q => q.Succeeded == Total || q.Failed > 0, TimeSpan.FromSeconds(120));
        Assert.Equal(0, after.Failed);
        Assert.Equal(Total, after.Succeeded);
        Assert.Equal(0, after.Ready + after.Scheduled + after.Running);

        // Every accepted id exists, succeeded once recorded, and returns its own payload.
        for (var i = 0; i < Total; i++)
        {
            using var job = JsonDocument.Parse(await node.Http.GetStringAsync($"/v1/jobs/{ids[i]}"));
            Assert.Equal("succeeded", job.RootElement.GetProperty("status").GetString());
            var result = await node.Http.GetByteArrayAsync($"/v1/jobs/{ids[i]}/result");
            Assert.Equal($"job-{i}", Encoding.UTF8.GetString(result));
        }
    }

    internal sealed record Queue(long Ready, long Scheduled, long Running, long Succeeded, long Failed);

    internal static async Task<Queue> QueueAsync(FjordNode node, string function = "sleepy")
    {
        using var doc = JsonDocument.Parse(await node.Http.GetStringAsync("/v1/queues"));
        foreach (var f in doc.RootElement.GetProperty("functions").EnumerateArray())
        {
            if (f.GetProperty("name").GetString() == function)
            {
                return new Queue(
                    f.GetProperty("ready").GetInt64(),
                    f.GetProperty("scheduled").GetInt64(),
                    f.GetProperty("running").GetInt64(),
                    f.GetProperty("succeeded").GetInt64(),
                    f.GetProperty("failed").GetInt64());
            }
        }
        throw new InvalidOperationException($"no queue for {function}");
    }

    internal static async Task<Queue> WaitUntilAsync(FjordNode node, Func<Queue, bool> done, TimeSpan timeout, string function = "sleepy")
    {
        var deadline = DateTime.UtcNow + timeout;
        Queue q;
        do
        {
            q = await QueueAsync(node, function);
            if (done(q))
                return q;
            await Task.Delay(50);
        }
        while (DateTime.UtcNow < deadline);
        throw new TimeoutException($"queue never reached the expected state; last {q}\n{node.Output}");
    }
}
