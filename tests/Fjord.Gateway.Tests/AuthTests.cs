using System.Net;
using System.Net.Http.Headers;

namespace Fjord.Gateway.Tests;

public sealed class AuthTests
{
    [Fact]
    public async Task Request_Answers401Problem_WithoutKey()
    {
        await using var gw = await TestGateway.StartAsync();
        using var anonymous = gw.NewClient(null);

        using var response = await anonymous.GetAsync(new Uri("/v1/functions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await TestGateway.JsonAsync(response);
        Assert.Equal("https://fjord.dev/problems/unauthorized", problem.GetProperty("type").GetString());
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Request_Answers401_WithWrongKey()
    {
        await using var gw = await TestGateway.StartAsync();
        using var wrong = gw.NewClient("fjk_not-a-real-key");

        using var response = await wrong.GetAsync(new Uri("/v1/queues", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Request_Answers401_WithOtherScheme()
    {
        await using var gw = await TestGateway.StartAsync();
        using var basic = gw.NewClient(null);
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", gw.AdminKey);

        using var response = await basic.GetAsync(new Uri("/v1/queues", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Probes_NeedNoKey()
    {
        await using var gw = await TestGateway.StartAsync();
        using var anonymous = gw.NewClient(null);

        using var health = await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var ready = await anonymous.GetAsync(new Uri("/readyz", UriKind.Relative));
        using var metrics = await anonymous.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal("ok", await health.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, metrics.StatusCode);
    }

    [Fact]
    public async Task Intake_Answers403_OutsideKeyNamespace()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("billing-send");
        await gw.CreateFunctionAsync("shop");
        var secret = await gw.AddKeyAsync("billing", "invoke");
        using var billing = gw.NewClient(secret);

        using var inside = await gw.PostJobAsync("billing-send", "x", client: billing);
        using var outside = await gw.PostJobAsync("shop", "x", client: billing);

        Assert.Equal(HttpStatusCode.Accepted, inside.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Equal("https://fjord.dev/problems/forbidden", (await TestGateway.JsonAsync(outside)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Deploy_Answers403_WithInvokeOnlyKey()
    {
        await using var gw = await TestGateway.StartAsync();
        var secret = await gw.AddKeyAsync("*", "invoke", "read");
        using var client = gw.NewClient(secret);
        using var content = new StringContent("""{ "runtime": "exec", "command": ["/bin/cat"] }""");

        using var put = await client.PutAsync(new Uri("/v1/functions/fn", UriKind.Relative), content);
        using var list = await client.GetAsync(new Uri("/v1/functions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, put.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
    }

    [Fact]
    public async Task FunctionList_ShowsOnlyKeyNamespace()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("billing");
        await gw.CreateFunctionAsync("billing-x");
        await gw.CreateFunctionAsync("billingx");
        var secret = await gw.AddKeyAsync("billing", "read");
        using var client = gw.NewClient(secret);

        using var response = await client.GetAsync(new Uri("/v1/functions", UriKind.Relative));

        var names = (await TestGateway.JsonAsync(response)).GetProperty("items").EnumerateArray().Select(f => f.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["billing", "billing-x"], names);
    }
}
