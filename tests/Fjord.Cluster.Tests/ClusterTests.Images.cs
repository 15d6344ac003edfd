using System.Net;
using System.Text;
using System.Text.Json;
using Fjord.Tests.Shared;

namespace Fjord.Cluster.Tests;

public sealed partial class ClusterTests
{
    /// <summary>
    /// An image in a cluster: uploaded streamed to the gateway, stored as chunk rows in PostgreSQL,
    /// fetched from there by a worker that shares no disk with the gateway (its own image cache),
    /// composed once and run in the sandbox; the worker reports its cache's size in its heartbeat.
    /// </summary>
    [Fact]
    public async Task AnImageUploadedToTheGateway_IsFetchedFromPostgres_ByAWorker_AndRuns()
    {
        using var dir = new TempDir();
        var archive = Path.Combine(dir.Path, "busy.tar");
        var digest = BusyboxImage.Save(archive);
        await using var cluster = await Cluster.StartAsync(Services.BrokerUri);

        using (var missing = await cluster.Http.GetAsync($"/v1/images/{digest}"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        await using (var file = File.OpenRead(archive))
        using (var put = await cluster.Http.PutAsync($"/v1/images/{digest}", new StreamContent(file)))
            Assert.True(put.StatusCode == HttpStatusCode.Created, await put.Content.ReadAsStringAsync());
        var spec = $$"""{"image":"{{digest}}","concurrency":2,"timeout":"30s"}""";
        using (var deploy = await cluster.Http.PutAsync("/v1/functions/busy", new StringContent(spec, Encoding.UTF8, "application/json")))
            Assert.True(deploy.IsSuccessStatusCode, await deploy.Content.ReadAsStringAsync());
        Assert.Equal(1, await cluster.CountAsync($"SELECT count(*) FROM images WHERE digest = '{digest}' AND size = {new FileInfo(archive).Length}"));

        var cache = Path.Combine(dir.Path, "worker-cache");
        var worker = await cluster.StartWorkerAsync("worker-a", Services.BrokerUri, new Dictionary<string, string> { ["FJORD_IMAGE_CACHE"] = cache });
        var ids = await cluster.SubmitEachAsync("busy", Enumerable.Range(0, 4).Select(i => $"job-{i}"));
        var jobs = await cluster.WaitAllEndedAsync(ids, TimeSpan.FromSeconds(90));
        Assert.True(jobs.Values.All(j => j.Status == Succeeded), cluster.Logs);
        for (var i = 0; i < ids.Count; i++)
            Assert.Equal($"job-{i} from busybox test image as 65534", (await cluster.Http.GetStringAsync($"/v1/jobs/{ids[i]}/result")).Trim());

        // Fetched and composed once, although two slots of the pool started on it.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(worker.Output, $"Image {digest} is ready on this node"));
        Assert.True(Directory.Exists(Path.Combine(cache, "roots", digest[7..], "rootfs", "bin")));
        // A beat may carry an earlier count (a sweep's walk while the fetch was still under way):
        // wait for one taken after the compose, which holds at least the unpacked busybox.
        var busybox = new FileInfo("/bin/busybox").Length;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        long reported = 0;
        while (reported <= busybox && DateTime.UtcNow < deadline)
        {
            using var nodes = JsonDocument.Parse(await cluster.Http.GetStringAsync("/v1/nodes"));
            reported = nodes.RootElement.GetProperty("nodes").EnumerateArray()
                .Where(n => n.GetProperty("role").GetString() == "worker" && n.TryGetProperty("imageCacheBytes", out var b) && b.ValueKind == JsonValueKind.Number)
                .Select(n => n.GetProperty("imageCacheBytes").GetInt64()).DefaultIfEmpty(0).Max();
            if (reported <= busybox)
                await Task.Delay(500);
        }
        Assert.True(reported > busybox, $"the worker reported {reported} bytes of image cache\n{cluster.Logs}");
    }
}
