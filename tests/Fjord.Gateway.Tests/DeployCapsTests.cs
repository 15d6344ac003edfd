using System.Net;
using System.Text;
using Fjord.Gateway.Functions;

namespace Fjord.Gateway.Tests;

/// <summary>The operator's --max-memory and --max-processes: a deploy that would exceed them is a 400 naming the cap.</summary>
public sealed class DeployCapsTests
{
    private static StringContent Spec(string memory, int concurrency) =>
        new($$"""{"runtime":"exec","command":["cat"],"memory":"{{memory}}","concurrency":{{concurrency}}}""", Encoding.UTF8, "application/json");

    [Fact]
    public async Task Deploy_OverMaxMemory_Is400NamingTheCap_AndStoresNothing()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { Caps = new DeployCaps { MaxMemoryBytes = 1L << 30 } });

        using var first = await gw.Client.PutAsync(new Uri("/v1/functions/a", UriKind.Relative), Spec("256Mi", 2));
        using var second = await gw.Client.PutAsync(new Uri("/v1/functions/b", UriKind.Relative), Spec("256Mi", 3));
        using var resized = await gw.Client.PutAsync(new Uri("/v1/functions/a", UriKind.Relative), Spec("256Mi", 4));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        var body = await second.Content.ReadAsStringAsync();
        Assert.Contains("--max-memory", body, StringComparison.Ordinal);
        Assert.Contains("1280Mi", body, StringComparison.Ordinal);
        Assert.Null(await gw.Store.GetFunctionAsync("b", default));
        // A function's own earlier claim does not count against its update: 4 × 256Mi = 1Gi fits.
        Assert.Equal(HttpStatusCode.OK, resized.StatusCode);
    }

    [Fact]
    public async Task Deploy_OverMaxProcesses_Is400NamingTheCap()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { Caps = new DeployCaps { MaxProcesses = 4 } });

        using var first = await gw.Client.PutAsync(new Uri("/v1/functions/a", UriKind.Relative), Spec("64Mi", 3));
        using var second = await gw.Client.PutAsync(new Uri("/v1/functions/b", UriKind.Relative), Spec("64Mi", 2));
        using var fits = await gw.Client.PutAsync(new Uri("/v1/functions/c", UriKind.Relative), Spec("64Mi", 1));

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, second.StatusCode);
        Assert.Contains("--max-processes of 4", await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, fits.StatusCode);
    }

    [Fact]
    public async Task Deploy_WithoutCaps_IsNotLimited()
    {
        await using var gw = await TestGateway.StartAsync();

        using var big = await gw.Client.PutAsync(new Uri("/v1/functions/big", UriKind.Relative), Spec("4Gi", 1024));

        Assert.Equal(HttpStatusCode.Created, big.StatusCode);
    }
}
