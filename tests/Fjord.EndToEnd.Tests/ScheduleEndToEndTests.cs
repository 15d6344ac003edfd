using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// A seconds-level schedule in a real `fjord up` on the real clock (kept short): fire times make
/// jobs that run, each fire time exactly once, also across a kill -9 and restart of the node.
/// </summary>
public sealed class ScheduleEndToEndTests
{
    private const string Project = """
        functions:
          tick:
            runtime: exec
            command: ["/bin/cat"]
            timeout: 5s
            schedules:
              - name: every-2s
                cron: "*/2 * * * * *"
                payload: "tick"
                overlap: allow
        """;

    [Fact]
    public async Task SecondsSchedule_MakesOneJobPerFireTime_AcrossAKillAndRestart()
    {
        using var dir = new TempDir();
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, Project);
        await using var node = await FjordNode.StartAsync(dir.Combine("data"), yml);

        var first = await WaitForJobsAsync(node, 3, TimeSpan.FromSeconds(20));
        await node.KillAsync();
        await node.StartProcessAsync();
        var known = first.Count;
        var all = await WaitForJobsAsync(node, known + 3, TimeSpan.FromSeconds(30));

        var fireTimes = all.Select(j => j.GetProperty("trigger").GetProperty("context").GetProperty("fireTime").GetDateTimeOffset()).ToList();
        Assert.Equal(fireTimes.Count, fireTimes.Distinct().Count());
        Assert.All(fireTimes, t => Assert.Equal((0, 0), (t.Second % 2, t.Millisecond)));
        Assert.All(all, j => Assert.Equal(("schedule", "every-2s"), (j.GetProperty("trigger").GetProperty("kind").GetString(), j.GetProperty("trigger").GetProperty("name").GetString())));

        // The jobs ran: the payload came back as the result.
        var done = all.First(j => j.GetProperty("status").GetString() == "succeeded");
        Assert.Equal("tick", await node.Http.GetStringAsync($"/v1/jobs/{done.GetProperty("id").GetString()}/result"));

        using var schedules = JsonDocument.Parse(await node.Http.GetStringAsync("/v1/schedules"));
        var listed = Assert.Single(schedules.RootElement.GetProperty("schedules").EnumerateArray());
        Assert.Contains(listed.GetProperty("lastJobId").GetString(), all.Select(j => j.GetProperty("id").GetString()));
    }

    private static async Task<List<JsonElement>> WaitForJobsAsync(FjordNode node, int count, TimeSpan within)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            using var doc = JsonDocument.Parse(await node.Http.GetStringAsync("/v1/jobs?function=tick&limit=200"));
            var items = doc.RootElement.GetProperty("items").EnumerateArray().Select(e => e.Clone()).ToList();
            if (items.Count(j => j.GetProperty("status").GetString() == "succeeded") >= count)
                return items;
            Assert.True(DateTime.UtcNow < deadline, $"only {items.Count} jobs after {within}:\n{node.Tail()}");
            await Task.Delay(250);
        }
    }
}
