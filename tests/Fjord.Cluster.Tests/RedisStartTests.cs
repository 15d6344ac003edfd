using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using StackExchange.Redis;

namespace Fjord.Cluster.Tests;

/// <summary>
/// What `fjord gateway` and `fjord worker` do at start on a Redis that would not keep what they
/// accept, and what `--redis-replicas` adds, each on a redis-server of the test's own (the real
/// CLI process, the real server): one line and exit 6 for appendfsync everysec (unless
/// --redis-unsafe-durability, which starts and says so loudly) and for an evicting server (never
/// waived); with a replica, a 202 only once it holds the job, 503 when it is gone; a payload over
/// --redis-max-body answered 413 with nothing stored.
/// </summary>
public sealed class RedisStartTests
{
    private const int BackendUnsafe = 6;

    [Fact]
    public async Task Gateway_OnARedisWithEverysec_RefusesToStart_WithOneLineAndExit6()
    {
        await using var redis = await PrivateRedis.StartAsync("--appendfsync", "everysec");

        var (code, stderr) = await RunToExitAsync(redis.Uri, "gateway", "--host", "127.0.0.1", "--port", PrivateRedis.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture));

        Assert.True(code == BackendUnsafe, $"exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Matches(@"^fjord: Redis has appendonly yes and appendfsync everysec: an accepted job \(202\) may be lost .*--redis-unsafe-durability", line);
    }

    [Fact]
    public async Task Gateway_OnARedisWithEverysec_WithTheUnsafeFlag_StartsAndWarnsInItsLogAndEveryNodeReport()
    {
        await using var redis = await PrivateRedis.StartAsync("--appendfsync", "everysec");
        using var data = new DoctorClusterTests.TempFolder();

        var port = PrivateRedis.FreePort();
        await using var gateway = await NodeProcess.StartAsync("gateway", data.Path, Environment(redis.Uri),
            "gateway", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--redis-unsafe-durability");

        const string Warning = "UNSAFE DURABILITY: Redis has appendonly yes and appendfsync everysec: an accepted job (202) may be lost in a crash or power cut (--redis-unsafe-durability)";
        Assert.Contains(Warning, gateway.Output, StringComparison.Ordinal);
        // Not only once in a log: every node report carries it (GET /v1/nodes, `fjord nodes ls`, the dashboard).
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminKey);
        var nodes = "";
        for (var i = 0; i < 50 && !nodes.Contains("UNSAFE DURABILITY", StringComparison.Ordinal); i++)
        {
            await Task.Delay(200);
            nodes = await http.GetStringAsync("/v1/nodes");
        }
        using var doc = System.Text.Json.JsonDocument.Parse(nodes);
        var warnings = doc.RootElement.GetProperty("nodes")[0].GetProperty("warnings").EnumerateArray().Select(w => w.GetString());
        Assert.Contains(Warning, warnings);
    }

    [Fact]
    public async Task Worker_OnARedisThatMayEvict_RefusesToStart_EvenWithTheUnsafeFlag()
    {
        await using var redis = await PrivateRedis.StartAsync("--maxmemory-policy", "allkeys-lru");

        var (code, stderr) = await RunToExitAsync(redis.Uri, "worker", "--node", "w1", "--redis-unsafe-durability");

        Assert.True(code == BackendUnsafe, $"exit {code}: {stderr}");
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("fjord: Redis has maxmemory-policy allkeys-lru: it may evict jobs to make room; set maxmemory-policy noeviction (docs/deploy.md)", line);
    }

    [Fact]
    public async Task Gateway_WithRedisReplicas_Answers202OnceTheReplicaHoldsTheJob_And503WhenItIsGone()
    {
        await using var primary = await PrivateRedis.StartAsync();
        await using var replica = await PrivateRedis.StartAsync("--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var port = PrivateRedis.FreePort();
        await using (var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{primary.Port}"))
        {
            // The replica's first full sync done: only then can it acknowledge.
            for (var i = 0; i < 100 && !((string?)await admin.GetDatabase().ExecuteAsync("INFO", "replication") ?? "").Contains(",state=online,", StringComparison.Ordinal); i++)
                await Task.Delay(100);
        }

        // Two replicas asked for, one online: refused at start.
        var (code, stderr) = await RunToExitAsync(primary.Uri, "gateway", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--redis-replicas", "2");
        Assert.True(code == BackendUnsafe, $"exit {code}: {stderr}");
        Assert.Contains("--redis-replicas 2: the Redis primary has 1 replica(s) online", stderr, StringComparison.Ordinal);

        using var data = new DoctorClusterTests.TempFolder();
        await using var gateway = await NodeProcess.StartAsync("gateway", data.Path, Environment(primary.Uri),
            "gateway", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--redis-replicas", "1", "--redis-replica-timeout", "500ms");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminKey);
        using (var deploy = await http.PutAsync("/v1/functions/echo", new StringContent("""{"runtime":"exec","command":["/bin/cat"]}""", Encoding.UTF8, "application/json")))
            Assert.True(deploy.IsSuccessStatusCode, await deploy.Content.ReadAsStringAsync());

        using var accepted = await http.PostAsync("/v1/functions/echo/jobs", new StringContent("on the replica", Encoding.UTF8, "text/plain"));
        var body = await accepted.Content.ReadAsStringAsync();
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, body);
        var id = body.Split("\"id\":\"")[1].Split('"')[0];
        await using (var onReplica = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{replica.Port}"))
            Assert.Equal("on the replica", (string?)await onReplica.GetDatabase().StringGetAsync("fjord:p:" + id));

        replica.Kill();
        var clock = Stopwatch.StartNew();
        using var refused = await http.PostAsync("/v1/functions/echo/jobs", new StringContent("no replica", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("only 0 of 1 Redis replicas acknowledged the job within 500 ms", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the 503 took {clock.Elapsed}");
    }

    [Fact]
    public async Task Gateway_PayloadOverRedisMaxBody_Answers413ProblemJson_AndStoresNothing()
    {
        await using var redis = await PrivateRedis.StartAsync();
        using var data = new DoctorClusterTests.TempFolder();
        var port = PrivateRedis.FreePort();
        await using var gateway = await NodeProcess.StartAsync("gateway", data.Path, Environment(redis.Uri),
            "gateway", "--host", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--redis-max-body", "64Ki");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminKey);
        using (var deploy = await http.PutAsync("/v1/functions/echo", new StringContent("""{"runtime":"exec","command":["/bin/cat"]}""", Encoding.UTF8, "application/json")))
            Assert.True(deploy.IsSuccessStatusCode, await deploy.Content.ReadAsStringAsync());
        var noise = new byte[100 * 1024];
        new Random(5).NextBytes(noise);

        using var refused = await http.PostAsync("/v1/functions/echo/jobs", new ByteArrayContent(noise));

        var problem = await refused.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("the payload is 102400 bytes and more than 65536 bytes even compressed", problem, StringComparison.Ordinal);
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{redis.Port}");
        var server = admin.GetServers()[0];
        Assert.Empty(await server.KeysAsync(pattern: "fjord:j:*").ToListAsync());
        Assert.Empty(await server.KeysAsync(pattern: "fjord:p:*").ToListAsync());

        // 1 MiB that compresses well fits in 64 KiB: accepted, stored compressed.
        using var fits = await http.PostAsync("/v1/functions/echo/jobs", new StringContent(new string('x', 1024 * 1024), Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.Accepted, fits.StatusCode);
    }

    private static Dictionary<string, string> Environment(string backend) =>
        new() { ["FJORD_BACKEND"] = backend, ["FJORD_ADMIN_KEY"] = Cluster.AdminKey };

    /// <summary>Runs `fjord <paramref name="args"/>` on <paramref name="backend"/> expecting it to stop by itself: its exit code and stderr.</summary>
    private static async Task<(int Code, string Stderr)> RunToExitAsync(string backend, params string[] args)
    {
        using var data = new DoctorClusterTests.TempFolder();
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[NodeProcess.FjordDll, .. args, "--data", data.Path])
            info.ArgumentList.Add(a);
        foreach (var (name, value) in Environment(backend))
            info.Environment[name] = value;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var within = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(within.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new InvalidOperationException($"fjord {args[0]} did not stop by itself:\n{await stdout}{await stderr}");
        }
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
