using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>Dead letters through the CLI: list them, retry them by filter, purge them.</summary>
public sealed class DeadLetterCliTests
{
    private const string Project = """
        functions:
          doomed:
            runtime: exec
            command: ["sh", "-c", "echo doomed >&2; exit 3"]
            maxAttempts: 2
            backoff: { initial: 50ms, max: 100ms }
          fine:
            runtime: exec
            command: ["cat"]
        """;

    [Fact]
    public async Task JobsRetryAndPurge_ByFunction_MoveExactlyThatFunctionsDeadLetters()
    {
        using var dir = new TempDir();
        var yml = dir.Combine("fjord.yml");
        await File.WriteAllTextAsync(yml, Project);
        await using var node = await FjordNode.StartAsync(dir.Combine("data"), yml);

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var submit = await Cli.RunAsync(node, null, "invoke", "doomed", "--async", "-d", $"x{i}");
            Assert.Equal(0, submit.ExitCode);
            ids.Add(submit.Stdout.Trim());
        }
        await WaitForFailedAsync(node, ids);

        var job = await GetJobAsync(node, ids[0]);
        Assert.Equal(2, job.GetProperty("attempts").GetArrayLength());
        Assert.Equal("exit", job.GetProperty("error").GetProperty("kind").GetString());
        Assert.Equal(3, job.GetProperty("error").GetProperty("exitCode").GetInt32());

        var listed = await Cli.RunAsync(node, null, "jobs", "ls", "--status", "failed");
        Assert.Equal(0, listed.ExitCode);
        foreach (var id in ids)
            Assert.Contains(id[..8], listed.Stdout, StringComparison.Ordinal);

        var bare = await Cli.RunAsync(node, null, "jobs", "purge");
        Assert.Equal(2, bare.ExitCode);

        var retried = await Cli.RunAsync(node, null, "jobs", "retry", "--function", "doomed");
        Assert.Equal(0, retried.ExitCode);
        Assert.Equal("retried 3", retried.Stdout.Trim());
        await WaitForFailedAsync(node, ids);
        Assert.Equal(4, (await GetJobAsync(node, ids[0])).GetProperty("attempts").GetArrayLength());

        var purged = await Cli.RunAsync(node, null, "jobs", "purge", "--function", "doomed", "--error-kind", "exit");
        Assert.Equal(0, purged.ExitCode);
        Assert.Equal("purged 3", purged.Stdout.Trim());
        using var gone = await node.Http.GetAsync($"/v1/jobs/{ids[0]}");
        Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
    }

    private static async Task<JsonElement> GetJobAsync(FjordNode node, string id)
    {
        using var doc = JsonDocument.Parse(await node.Http.GetStringAsync($"/v1/jobs/{id}"));
        return doc.RootElement.Clone();
    }

    private static async Task WaitForFailedAsync(FjordNode node, IEnumerable<string> ids)
    {
        foreach (var id in ids)
        {
            for (var i = 0; ; i++)
            {
                if ((await GetJobAsync(node, id)).GetProperty("status").GetString() == "failed")
                    break;
                Assert.True(i < 400, $"job {id} never failed");
                await Task.Delay(50);
            }
        }
    }
}
