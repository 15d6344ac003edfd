using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace Fjord.Gateway.Tests;

public sealed class BundleTests
{
    [Fact]
    public async Task PutBundle_AcceptsBundleLargerThanPayloadLimit()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxBodyBytes = 1024, MaxBundleBytes = 64 * 1024 });
        using var memory = new MemoryStream();
        using (var archive = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var stream = archive.CreateEntry("data.bin", CompressionLevel.NoCompression).Open();
            stream.Write(new byte[8 * 1024]);
        }

        using var fits = await UploadAsync(gw, "fn", memory.ToArray());
        using var tooBig = await UploadAsync(gw, "fn", new byte[65 * 1024]);

        Assert.Equal(HttpStatusCode.OK, fits.StatusCode);
        // Over the zipped limit is the same answer as over the unpacked one: 400 invalid-bundle, pointing to images.
        Assert.Equal(HttpStatusCode.BadRequest, tooBig.StatusCode);
        var problem = await tooBig.Content.ReadAsStringAsync();
        Assert.Contains("invalid-bundle", problem, StringComparison.Ordinal);
        Assert.Contains("image: images/NAME.tar", problem, StringComparison.Ordinal);
    }

    private static byte[] Zip(params string[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var name in entries)
            {
                using var stream = zip.CreateEntry(name).Open();
                stream.Write(Encoding.UTF8.GetBytes("content of " + name));
            }
        }
        return memory.ToArray();
    }

    private static async Task<HttpResponseMessage> UploadAsync(TestGateway gw, string function, byte[] zip)
    {
        using var content = new ByteArrayContent(zip);
        content.Headers.ContentType = new("application/zip");
        return await gw.Client.PutAsync(new Uri($"/v1/functions/{function}/bundle", UriKind.Relative), content);
    }

    [Fact]
    public async Task PutBundle_StoresUnderSha256_BeforeFunctionExists_ThenSpecMayNameIt()
    {
        await using var gw = await TestGateway.StartAsync();
        var zip = Zip("handler.py", "lib/util.py");

        using var upload = await UploadAsync(gw, "hello", zip);
        var hash = (await TestGateway.JsonAsync(upload)).GetProperty("bundle").GetString()!;
        using var put = await gw.PutFunctionAsync("hello", $$"""{ "runtime": "python", "handler": "handler.py", "bundle": "{{hash}}" }""");
        using var specOnly = await gw.PutFunctionAsync("hello", """{ "runtime": "python", "handler": "handler.py", "concurrency": 3 }""");

        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(zip)), hash);
        Assert.Equal(zip, await gw.Store.GetBundleAsync(hash, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(hash, (await TestGateway.JsonAsync(specOnly)).GetProperty("spec").GetProperty("bundle").GetString());
    }

    [Fact]
    public async Task PutBundle_UpdatesExistingFunction()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");

        using var upload = await UploadAsync(gw, "fn", Zip("run.sh"));

        var hash = (await TestGateway.JsonAsync(upload)).GetProperty("bundle").GetString();
        Assert.Equal(hash, (await gw.Store.GetFunctionAsync("fn", CancellationToken.None))?.Spec.Bundle);
    }

    [Theory]
    [InlineData("../escape.sh")]
    [InlineData("ok/../../escape.sh")]
    [InlineData("/etc/passwd")]
    [InlineData("..\\windows.sh")]
    public async Task PutBundle_Answers400_ForEntryLeavingTheFolder(string entry)
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await UploadAsync(gw, "fn", Zip("handler.py", entry));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("https://fjord.dev/problems/invalid-bundle", (await TestGateway.JsonAsync(response)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task PutBundle_Answers400_ForNonZip()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await UploadAsync(gw, "fn", Encoding.UTF8.GetBytes("definitely not a zip file"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PutFunction_Answers400_WhenNamedBundleIsMissing()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.PutFunctionAsync("fn", $$"""{ "runtime": "exec", "command": ["./run.sh"], "bundle": "{{new string('a', 64)}}" }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("bundle", (await TestGateway.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
