using System.Diagnostics;
using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

/// <summary>
/// A cluster upgrades one node at a time: the previous release's gateway and worker run on a
/// database their release created; a worker of this build joins (and migrates the database
/// forward under them), then a gateway of this build; jobs submitted through both gateways are
/// taken by both workers and every one succeeds exactly once; the old worker drains away, the
/// new one finishes the rest, and an old worker started again refuses the migrated database. The previous release is a real build of that commit
/// (scripts/build-previous-release.sh: `git archive` + `dotnet build`, cached under
/// artifacts/previous-release/, so only the first run pays for the build).
/// </summary>
public sealed class MixedVersionTests
{
    private const short Succeeded = 3;

    [Fact]
    [Trait("Category", "Upgrade")]
    public async Task OldAndNewNodes_OnOneBrokerAndStore_RunEveryJobOnce_WhileTheNewOneMigrates()
    {
        var oldDll = await PreviousReleaseAsync();
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri, fjordDll: oldDll);
        await cluster.DeployAsync("mixed", "read p; sleep 0.1; echo $p", 2);
        var oldWorker = await cluster.StartWorkerOfBuildAsync(oldDll, "old-worker", Services.BrokerUri);
        var before = await cluster.CountAsync("SELECT max(version) FROM fjord_schema");
        var first = await cluster.SubmitBatchAsync("mixed", Enumerable.Range(0, 10).Select(i => $"before-{i}"));
        Assert.True((await cluster.WaitAllEndedAsync(first, TimeSpan.FromSeconds(60))).Values.All(j => j.Status == Succeeded && j.Node == "old-worker"), cluster.Logs);

        // This build joins: its worker migrates the database while the old nodes keep working on it.
        await cluster.StartWorkerOfBuildAsync(NodeProcess.FjordDll, "new-worker", Services.BrokerUri);
        var after = await cluster.CountAsync("SELECT max(version) FROM fjord_schema");
        Assert.True(after > before, $"schema {before} -> {after}: the new worker should have migrated the database");
        var newGateway = await cluster.StartAnotherGatewayAsync("new-gateway", Services.BrokerUri, NodeProcess.FjordDll);

        var mixed = await cluster.SubmitBatchAsync("mixed", Enumerable.Range(0, 40).Select(i => $"old-gw-{i}"));
        using (var http = new HttpClient { BaseAddress = newGateway })
        {
            http.DefaultRequestHeaders.Authorization = cluster.Http.DefaultRequestHeaders.Authorization;
            var body = System.Text.Json.JsonSerializer.Serialize(Enumerable.Range(0, 40).Select(i => $"new-gw-{i}").ToArray());
            using var response = await http.PostAsync("/v1/functions/mixed/jobs:batch", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == System.Net.HttpStatusCode.Accepted, $"new gateway: {(int)response.StatusCode} {text}");
            using var document = System.Text.Json.JsonDocument.Parse(text);
            mixed.AddRange(document.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetString()!));
        }
        var jobs = await cluster.WaitAllEndedAsync(mixed, TimeSpan.FromSeconds(90));
        Assert.True(jobs.Count == 80 && jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        var byNode = jobs.Values.GroupBy(j => j.Node).ToDictionary(g => g.Key ?? "", g => g.Count());
        Assert.True(byNode.GetValueOrDefault("old-worker") > 0 && byNode.GetValueOrDefault("new-worker") > 0,
            $"both workers should have run jobs: {string.Join(", ", byNode.Select(p => $"{p.Key}={p.Value}"))}\n{cluster.Logs}");

        // The old worker drains away (SIGTERM); what is submitted after runs on the new one.
        await oldWorker.StopAsync();
        var last = await cluster.SubmitBatchAsync("mixed", Enumerable.Range(0, 10).Select(i => $"after-{i}"));
        Assert.True((await cluster.WaitAllEndedAsync(last, TimeSpan.FromSeconds(60))).Values.All(j => j.Status == Succeeded && j.Node == "new-worker"), cluster.Logs);

        // An old node that restarts now meets a schema newer than it knows and refuses it, so it
        // cannot write a store it does not understand: upgrade each machine before restarting it.
        var refused = await Assert.ThrowsAsync<InvalidOperationException>(() => cluster.StartWorkerOfBuildAsync(oldDll, "old-worker-again", Services.BrokerUri));
        Assert.Contains("migrated by a newer fjord", refused.Message, StringComparison.Ordinal);

        // Once each: one attempt per job and each result its own payload, across both releases.
        var all = first.Concat(mixed).Concat(last).ToList();
        var inList = string.Join(',', all.Select(id => $"'{id}'"));
        Assert.Equal(all.Count, await cluster.CountAsync($"SELECT count(*) FROM attempts WHERE job_id IN ({inList})"));
        Assert.Equal(all.Count, await cluster.CountAsync($"SELECT count(*) FROM jobs WHERE id IN ({inList}) AND convert_from(result, 'UTF8') = convert_from(payload, 'UTF8') || chr(10)"));
    }

    /// <summary>The previous release's fjord.dll, built once by scripts/build-previous-release.sh.</summary>
    private static async Task<string> PreviousReleaseAsync()
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Services.RepoRoot };
        info.ArgumentList.Add(Path.Combine(Services.RepoRoot, "scripts", "build-previous-release.sh"));
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var within = new CancellationTokenSource(TimeSpan.FromMinutes(15));
        await process.WaitForExitAsync(within.Token);
        Assert.True(process.ExitCode == 0, $"building the previous release failed: {await stderr}");
        var dll = (await stdout).Trim();
        Assert.True(File.Exists(dll), dll);
        return dll;
    }
}
