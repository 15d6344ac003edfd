using System.Net;
using System.Security.Cryptography;

namespace Fjord.Gateway.Tests;

/// <summary><c>/v1/images</c>: limits, digest checks, scopes and what a deploy may name.</summary>
public sealed class ImageRouteTests
{
    private static (ByteArrayContent Body, string Digest) Image(int size)
    {
        var bytes = RandomNumberGenerator.GetBytes(size);
        return (new ByteArrayContent(bytes), "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes)));
    }

    [Fact]
    public async Task AnImageOverMaxImageSize_Is413_WithOrWithoutContentLength_AndNothingIsStored()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxImageBytes = 64 * 1024 });
        var (body, digest) = Image(64 * 1024 + 1);
        using var known = await gw.Client.PutAsync($"/v1/images/{digest}", body);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, known.StatusCode);
        Assert.Contains("--max-image-size of 65536 bytes", await known.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // Chunked: the size is only learnt while streaming into the store.
        using var chunked = new HttpRequestMessage(HttpMethod.Put, $"/v1/images/{digest}") { Content = new StreamContent(new UnknownLength(RandomNumberGenerator.GetBytes(200 * 1024))) };
        using var client = gw.NewClient(gw.AdminKey);
        using var streamed = await client.SendAsync(chunked);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, streamed.StatusCode);
        Assert.Empty(await gw.Store.ListImagesAsync(default));

        var (fits, fitsDigest) = Image(64 * 1024);
        using var stored = await gw.Client.PutAsync($"/v1/images/{fitsDigest}", fits);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
    }

    [Fact]
    public async Task Uploading_NeedsDeploy_PruningNeedsAdmin_AndADeployMayOnlyNameAStoredImage()
    {
        await using var gw = await TestGateway.StartAsync();
        var (body, digest) = Image(1000);
        using var reader = gw.NewClient(await gw.AddKeyAsync("*", "read"));
        using (var refused = await reader.PutAsync($"/v1/images/{digest}", body))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

        using (var notYet = await gw.PutFunctionAsync("resize", $$"""{ "image": "{{digest}}" }"""))
        {
            Assert.Equal(HttpStatusCode.BadRequest, notYet.StatusCode);
            Assert.Contains($"image {digest} has not been uploaded", await notYet.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        using var deployer = gw.NewClient(await gw.AddKeyAsync("*", "deploy"));
        using (var put = await deployer.PutAsync($"/v1/images/{digest}", Image(1000).Body))
            Assert.Equal(HttpStatusCode.BadRequest, put.StatusCode); // other bytes than the digest names
        using (var put = await deployer.PutAsync($"/v1/images/{digest}", body))
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        using (var bad = await deployer.PutAsync("/v1/images/latest", body))
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using (var deployed = await gw.PutFunctionAsync("resize", $$"""{ "image": "{{digest}}" }"""))
        {
            Assert.Equal(HttpStatusCode.Created, deployed.StatusCode);
            var spec = (await TestGateway.JsonAsync(deployed)).GetProperty("spec");
            Assert.Equal(1000, spec.GetProperty("imageSize").GetInt64());
        }

        using (var prune = await deployer.PostAsync("/v1/images:prune", null))
            Assert.Equal(HttpStatusCode.Forbidden, prune.StatusCode);
        using (var inUse = await gw.Client.DeleteAsync($"/v1/images/{digest}"))
            Assert.Equal(HttpStatusCode.Conflict, inUse.StatusCode);
        using (var list = await reader.GetAsync("/v1/images"))
        {
            var item = Assert.Single((await TestGateway.JsonAsync(list)).GetProperty("items").EnumerateArray());
            Assert.Equal(["resize"], item.GetProperty("functions").EnumerateArray().Select(f => f.GetString()));
        }
        using (var kept = await gw.Client.PostAsync("/v1/images:prune", null))
            Assert.Empty((await TestGateway.JsonAsync(kept)).GetProperty("pruned").EnumerateArray());
        using (var plain = await gw.PutFunctionAsync("resize", """{ "runtime": "exec", "command": ["cat"] }"""))
            Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        using (var pruned = await gw.Client.PostAsync("/v1/images:prune", null))
        {
            var answer = await TestGateway.JsonAsync(pruned);
            Assert.Equal(digest, Assert.Single(answer.GetProperty("pruned").EnumerateArray()).GetProperty("digest").GetString());
            Assert.Equal(1000, answer.GetProperty("freedBytes").GetInt64());
        }
        Assert.Empty(await gw.Store.ListImagesAsync(default));
    }

    /// <summary>A body sent chunked: no Content-Length for the gateway to refuse up front.</summary>
    private sealed class UnknownLength(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
