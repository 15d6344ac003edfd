using System.Net;
using System.Text;
using System.Text.Json;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// An image from the laptop to a node: a docker save archive built in the test (Debian's static
/// busybox, byte by byte), named by <c>image:</c> in fjord.yml, deployed with the real CLI to a real
/// `fjord up` (uploaded streamed once, by digest), fetched and composed by the worker's image cache
/// and run in the sandbox in fork mode; listed and pruned with `fjord images`.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ImageEndToEndTests
{
    private const string StartProject = """
        functions:
          fine:
            runtime: exec
            command: ["cat"]
        """;

    private const string ImageProject = """
        functions:
          busy:
            image: images/busy.tar
        """;

    private const string WithoutImage = """
        functions:
          busy:
            runtime: exec
            command: ["cat"]
        """;

    [Fact]
    public async Task AnImageBuiltInTheTest_IsDeployedWithTheCli_RunsInFjordUp_AndIsPrunedWhenUnused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("images"));
        var archive = dir.Combine("images", "busy.tar");
        var digest = BusyboxImage.Save(archive);
        await System.IO.File.WriteAllTextAsync(dir.Combine("fjord.yml"), StartProject);
        await System.IO.File.WriteAllTextAsync(dir.Combine("images.yml"), ImageProject);
        await System.IO.File.WriteAllTextAsync(dir.Combine("plain.yml"), WithoutImage);
        var cache = dir.Combine("image-cache");
        await using var node = await FjordNode.StartAsync(dir.Combine("data"), dir.Combine("fjord.yml"),
            new Dictionary<string, string> { ["FJORD_IMAGE_CACHE"] = cache });

        var deploy = await Cli.RunAsync(node, null, "deploy", "-f", dir.Combine("images.yml"));
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        Assert.Contains($"image {digest[7..19]}", deploy.Stdout, StringComparison.Ordinal);
        Assert.Contains("uploaded", deploy.Stdout, StringComparison.Ordinal);

        // The spec carries the digest and the stored size.
        using (var function = JsonDocument.Parse(await node.Http.GetStringAsync("/v1/functions/busy")))
        {
            var spec = function.RootElement.GetProperty("spec");
            Assert.Equal(digest, spec.GetProperty("image").GetString());
            Assert.Equal(new FileInfo(archive).Length, spec.GetProperty("imageSize").GetInt64());
        }

        // The image's Entrypoint + Cmd, as the image's default user, with its own /etc.
        Assert.Equal("hello from busybox test image as 65534", await InvokeUntilReadyAsync(node, "busy", "hello"));

        // Deploying the same archive again uploads nothing.
        var again = await Cli.RunAsync(node, null, "deploy", "-f", dir.Combine("images.yml"));
        Assert.True(again.ExitCode == 0, again.Stderr);
        Assert.Contains("already stored", again.Stdout, StringComparison.Ordinal);

        var listed = await Cli.RunAsync(node, null, "images", "ls");
        Assert.Equal(0, listed.ExitCode);
        Assert.Contains(digest, listed.Stdout, StringComparison.Ordinal);
        Assert.Contains("busy", listed.Stdout, StringComparison.Ordinal);

        // The node reports what its image cache holds on disk.
        Assert.True(await ImageCacheBytesAsync(node) > new FileInfo("/bin/busybox").Length);
        Assert.True(Directory.Exists(Path.Combine(cache, "roots", digest[7..], "rootfs", "bin")));

        // An upload whose bytes are not the digest it claims is refused and not stored.
        var other = "sha256:" + new string('a', 64);
        using (var wrong = await node.Http.PutAsync($"/v1/images/{other}", new ByteArrayContent(Encoding.UTF8.GetBytes("not it"))))
        {
            Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
            Assert.Contains("invalid-image", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using (var missing = await node.Http.GetAsync($"/v1/images/{other}"))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // Used: prune keeps it. Unused: prune deletes it from the store.
        var kept = await Cli.RunAsync(node, null, "images", "prune");
        Assert.Contains("0 image(s) deleted", kept.Stdout, StringComparison.Ordinal);
        Assert.Equal(0, (await Cli.RunAsync(node, null, "deploy", "-f", dir.Combine("plain.yml"))).ExitCode);
        var pruned = await Cli.RunAsync(node, null, "images", "prune");
        Assert.Equal(0, pruned.ExitCode);
        Assert.Contains($"{digest}  deleted", pruned.Stdout, StringComparison.Ordinal);
        using (var gone = await node.Http.GetAsync($"/v1/images/{digest}"))
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        // The redeployed function runs without the image once the worker's next reconcile (≤ 1 s)
        // replaces the pool; until then the old pool may still answer.
        var until = DateTime.UtcNow.AddSeconds(20);
        string answer;
        while ((answer = await InvokeUntilReadyAsync(node, "busy", "plain")) != "plain" && DateTime.UtcNow < until)
            await Task.Delay(200);
        Assert.Equal("plain", answer);
    }

    [Fact]
    public async Task AWarmPythonImage_RunsTheImagesInterpreter_OneProcessForManyJobs()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.Combine("images"));
        const string Handler = """
            import os, sys
            count = 0

            def handle(payload, context):
                global count
                count += 1
                return "%s %d %s %s" % (payload.decode(), count, sys.executable, os.environ.get("IMAGE_VAR"))
            """;
        var layers = new[] { Layers.HostPython(), TestImages.Layer(TestImages.Dir("app"), TestImages.File("app/handler.py", Handler)) };
        TestImages.DockerSave(dir.Combine("images", "py.tar"), layers, gzip: true,
            config: TestImages.Config(layers, new { Env = new[] { "PATH=/usr/bin", "IMAGE_VAR=from-image" }, WorkingDir = "/app" }));
        await System.IO.File.WriteAllTextAsync(dir.Combine("fjord.yml"), StartProject);
        await System.IO.File.WriteAllTextAsync(dir.Combine("py.yml"), """
            functions:
              pyimg:
                image: images/py.tar
                runtime: python
                handler: handler.py
            """);
        await using var node = await FjordNode.StartAsync(dir.Combine("data"), dir.Combine("fjord.yml"),
            new Dictionary<string, string> { ["FJORD_IMAGE_CACHE"] = dir.Combine("image-cache") });

        var deploy = await Cli.RunAsync(node, null, "deploy", "-f", dir.Combine("py.yml"));
        Assert.True(deploy.ExitCode == 0, deploy.Stderr);
        Assert.Equal("a 1 /usr/bin/python3 from-image", await InvokeUntilReadyAsync(node, "pyimg", "a"));
        // Warm: the same process (its module state) answers the next jobs.
        Assert.Equal("b 2 /usr/bin/python3 from-image", await InvokeUntilReadyAsync(node, "pyimg", "b"));
        Assert.Equal("c 3 /usr/bin/python3 from-image", await InvokeUntilReadyAsync(node, "pyimg", "c"));
    }

    /// <summary>The function's answer to a sync invocation, retried while its pool is still being made (the image is fetched beside the worker's loop).</summary>
    private static async Task<string> InvokeUntilReadyAsync(FjordNode node, string function, string payload)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await node.Http.PostAsync($"/v1/functions/{function}/invoke", new StringContent(payload));
            var body = (await response.Content.ReadAsStringAsync()).Trim();
            if (response.StatusCode == HttpStatusCode.OK)
                return body;
            Assert.True(DateTime.UtcNow < deadline, $"{response.StatusCode}: {body}\n{node.Tail()}");
            await Task.Delay(200);
        }
    }

    private static async Task<long> ImageCacheBytesAsync(FjordNode node)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            using var nodes = JsonDocument.Parse(await node.Http.GetStringAsync("/v1/nodes"));
            var bytes = nodes.RootElement.GetProperty("nodes").EnumerateArray()
                .Select(n => n.TryGetProperty("imageCacheBytes", out var b) && b.ValueKind == JsonValueKind.Number ? b.GetInt64() : 0).Max();
            if (bytes > 0 || DateTime.UtcNow > deadline)
                return bytes;
            await Task.Delay(250);
        }
    }
}
