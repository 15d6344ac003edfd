using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Fjord.Gateway.Tests;

/// <summary>
/// The small doors of issue 10's surface: what /readyz tells a stranger, the headers on function
/// output, metrics that cannot be made to grow by made-up names, and bundles that unpack too big.
/// </summary>
public sealed class SurfaceTests
{
    [Fact]
    public async Task Readyz_WithoutAKey_SaysOnlyReadyOrNot()
    {
        await using var gw = await TestGateway.StartAsync();
        var narrow = await gw.AddKeyAsync("shop", "read", "invoke", "deploy");

        using var anonymous = await gw.NewClient(null).GetAsync(new Uri("/readyz", UriKind.Relative));
        using var unknown = await gw.NewClient("fjk_not_a_key").GetAsync(new Uri("/readyz", UriKind.Relative));
        using var namespaced = await gw.NewClient(narrow).GetAsync(new Uri("/readyz", UriKind.Relative));
        using var admin = await gw.Client.GetAsync(new Uri("/readyz", UriKind.Relative));

        foreach (var response in new[] { anonymous, unknown, namespaced })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.Equal("""{"ready":true}""", text);
        }
        var full = await TestGateway.JsonAsync(admin);
        Assert.Contains(gw.Dir, full.GetProperty("checks")[0].GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionOutput_IsServedWithNosniffAndASandboxPolicy()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("page");
        const string Html = "<script>fetch('/v1/keys')</script>";

        using var invokeContent = new StringContent("x", Encoding.UTF8, "text/plain");
        var call = gw.Client.PostAsync(new Uri("/v1/functions/page/invoke", UriKind.Relative), invokeContent);
        await FakeWorker.SucceedAsync(gw.Store, "page", _ => Html, "text/html");
        using var invoked = await call;
        var id = await Api.AcceptAsync(gw, "page");
        await FakeWorker.SucceedAsync(gw.Store, "page", _ => Html, "text/html");
        using var result = await gw.Client.GetAsync(new Uri($"/v1/jobs/{id}/result", UriKind.Relative));
        using var logs = await gw.Client.GetAsync(new Uri($"/v1/jobs/{id}/logs", UriKind.Relative));

        foreach (var response in new[] { invoked, result, logs })
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("sandbox", response.Headers.GetValues("Content-Security-Policy").Single());
        }
        Assert.Equal(Html, await result.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_HaveNoSeriesForFunctionsThatDoNotExist()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("real");

        for (var i = 0; i < 5; i++)
        {
            using var missing = await gw.PostJobAsync($"made-up-{i}", "x");
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }
        using (var badHeader = await gw.PostJobAsync("made-up-x", "x", r => r.Headers.Add("X-Delay", "soon")))
            Assert.Equal(HttpStatusCode.NotFound, badHeader.StatusCode);
        using (var batch = await Api.PostAsync(gw.Client, "/v1/functions/made-up-b/jobs:batch", "[1]"))
            Assert.Equal(HttpStatusCode.NotFound, batch.StatusCode);
        using (var known = await gw.PostJobAsync("real", "x", r => r.Headers.Add("X-Delay", "soon")))
            Assert.Equal(HttpStatusCode.BadRequest, known.StatusCode);

        using var response = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();

        Assert.DoesNotContain("made-up", text, StringComparison.Ordinal);
        Assert.Contains("fjord_intake_rejected_total{function=\"\",reason=\"unknown_function\"} 7", text, StringComparison.Ordinal);
        Assert.Contains("fjord_intake_rejected_total{function=\"real\",reason=\"bad_header\"} 1", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_DropTheIntakeSeriesOfADeletedFunction()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("short-lived");
        using (var refused = await gw.PostJobAsync("short-lived", "x", r => r.Headers.Add("X-Delay", "soon")))
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using (var before = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative)))
            Assert.Contains("function=\"short-lived\",reason=\"bad_header\"", await before.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        using (await gw.Client.DeleteAsync(new Uri("/v1/functions/short-lived", UriKind.Relative))) { }
        using var after = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.DoesNotContain("short-lived", await after.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bundle_ThatUnpacksPastTheLimit_IsRefused_ThoughSmallOnTheWire()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxBundleUnpackedBytes = 1024 * 1024 });
        // 4 MiB of zeros: a few KiB compressed, four times the limit unpacked.
        var bomb = Zip(("zeros.bin", new byte[4 * 1024 * 1024]));
        var fits = Zip(("a.bin", new byte[600 * 1024]), ("b.bin", new byte[400 * 1024]));
        var twoThatAddUp = Zip(("a.bin", new byte[600 * 1024]), ("b.bin", new byte[600 * 1024]));

        using var refused = await UploadAsync(gw, bomb);
        using var accepted = await UploadAsync(gw, fits);
        using var summed = await UploadAsync(gw, twoThatAddUp);

        Assert.True(bomb.Length < 64 * 1024, $"the test bomb is {bomb.Length} bytes");
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var problem = await TestGateway.JsonAsync(refused);
        Assert.Equal("https://fjord.dev/problems/invalid-bundle", problem.GetProperty("type").GetString());
        Assert.Contains("unpacks to more than 1Mi", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, summed.StatusCode);
    }

    [Fact]
    public async Task Bundle_WithAnEntryTwice_IsRefused()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await UploadAsync(gw, Zip(("run.sh", [1]), ("./run.sh", [2])));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("appears twice", (await TestGateway.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static byte[] Zip(params (string Name, byte[] Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                using var stream = zip.CreateEntry(name, CompressionLevel.Optimal).Open();
                stream.Write(content);
            }
        }
        return memory.ToArray();
    }

    private static async Task<HttpResponseMessage> UploadAsync(TestGateway gw, byte[] zip)
    {
        using var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        return await gw.Client.PutAsync(new Uri("/v1/functions/fn/bundle", UriKind.Relative), content);
    }
}
