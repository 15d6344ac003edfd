using System.Net;
using System.Text;
using System.Text.Json;
using Fjord.Gateway.Auth;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fjord.Gateway.Tests;

/// <summary><c>/v1/keys</c> on a real gateway and SQLite store: every route, every scope rule.</summary>
public sealed class KeyEndpointsTests
{
    [Fact]
    public async Task Create_Answers201WithTheSecretOnce_AndTheKeyWorks()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("shop-orders");

        using var created = await CreateAsync(gw.Client, """{"name":"shop-web","scopes":["invoke","read"],"namespace":"shop","rateLimit":{"perSecond":50,"burst":100},"expiresAt":null}""");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var key = await TestGateway.JsonAsync(created);
        var id = key.GetProperty("id").GetString()!;
        var secret = key.GetProperty("key").GetString()!;
        Assert.StartsWith("fjk_", secret, StringComparison.Ordinal);
        Assert.Equal("/v1/keys/" + id, created.Headers.Location?.OriginalString);
        Assert.Equal("shop-web", key.GetProperty("name").GetString());
        Assert.Equal(["invoke", "read"], key.GetProperty("scopes").EnumerateArray().Select(s => s.GetString()));
        Assert.Equal("shop", key.GetProperty("namespace").GetString());
        Assert.Equal(50, key.GetProperty("rateLimit").GetProperty("perSecond").GetInt32());
        Assert.Equal(100, key.GetProperty("rateLimit").GetProperty("burst").GetInt32());
        Assert.Equal(JsonValueKind.Null, key.GetProperty("expiresAt").ValueKind);
        Assert.True(key.TryGetProperty("createdAt", out _));

        using var web = gw.NewClient(secret);
        using var job = await gw.PostJobAsync("shop-orders", "x", client: web);
        Assert.Equal(HttpStatusCode.Accepted, job.StatusCode);

        // Neither the list nor the single key ever shows the secret again.
        using var list = await gw.Client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        using var one = await gw.Client.GetAsync(new Uri("/v1/keys/" + id, UriKind.Relative));
        var listText = await list.Content.ReadAsStringAsync();
        var oneText = await one.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(HttpStatusCode.OK, one.StatusCode);
        Assert.DoesNotContain(secret, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, oneText, StringComparison.Ordinal);
        Assert.DoesNotContain("\"key\"", oneText, StringComparison.Ordinal);
        var items = (await TestGateway.JsonAsync(list)).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, k => k.GetProperty("id").GetString() == "admin");
        Assert.Contains(items, k => k.GetProperty("id").GetString() == id && k.TryGetProperty("lastUsedAt", out _));
        Assert.Equal(id, JsonDocument.Parse(oneText).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Delete_RevokesAtOnce_On401_AndThe404sAfter()
    {
        await using var gw = await TestGateway.StartAsync();
        var (id, secret) = await CreateKeyAsync(gw, """{"name":"ci","scopes":["read"]}""");
        using var client = gw.NewClient(secret);
        using var before = await client.GetAsync(new Uri("/v1/functions", UriKind.Relative));

        using var deleted = await gw.Client.DeleteAsync(new Uri("/v1/keys/" + id, UriKind.Relative));
        using var after = await client.GetAsync(new Uri("/v1/functions", UriKind.Relative));
        using var again = await gw.Client.DeleteAsync(new Uri("/v1/keys/" + id, UriKind.Relative));
        using var get = await gw.Client.GetAsync(new Uri("/v1/keys/" + id, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
    }

    [Theory]
    [InlineData("read")]
    [InlineData("invoke")]
    [InlineData("deploy")]
    public async Task KeyRoutes_Answer403_WithoutAdminScope(string scope)
    {
        await using var gw = await TestGateway.StartAsync();
        using var client = gw.NewClient(await gw.AddKeyAsync("*", scope));

        using var create = await CreateAsync(client, """{"name":"x","scopes":["read"]}""");
        using var list = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        using var get = await client.GetAsync(new Uri("/v1/keys/admin", UriKind.Relative));
        using var delete = await client.DeleteAsync(new Uri("/v1/keys/admin", UriKind.Relative));
        using var rotate = await client.PostAsync(new Uri("/v1/keys:rotate", UriKind.Relative), null);

        Assert.All(new[] { create, list, get, delete, rotate }, r => Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode));
        Assert.Equal(2, (await gw.Store.ListKeysAsync(default)).Count);
    }

    [Theory]
    [InlineData("""{"scopes":["read"]}""", "name")]
    [InlineData("""{"name":"has space","scopes":["read"]}""", "name")]
    [InlineData("""{"name":"x"}""", "scopes")]
    [InlineData("""{"name":"x","scopes":[]}""", "scopes")]
    [InlineData("""{"name":"x","scopes":["root"]}""", "scopes")]
    [InlineData("""{"name":"x","scopes":["read"],"namespace":"Shop!"}""", "namespace")]
    [InlineData("""{"name":"x","scopes":["read"],"rateLimit":{"perSecond":0}}""", "rateLimit.perSecond")]
    [InlineData("""{"name":"x","scopes":["read"],"rateLimit":{"burst":5}}""", "rateLimit.perSecond")]
    [InlineData("""{"name":"x","scopes":["read"],"rateLimit":{"perSecond":5,"burst":-1}}""", "rateLimit.burst")]
    [InlineData("""{"name":"x","scopes":["read"],"expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt")]
    [InlineData("""{"name":"x","scopes":["read"],"expiresAt":"next week"}""", "expiresAt")]
    [InlineData("""{"name":"x","scopes":["read"],"colour":"blue"}""", "colour")]
    [InlineData("""{"name":"x","scopes":"read"}""", "scopes")]
    public async Task Create_Answers400NamingTheField(string body, string field)
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await CreateAsync(gw.Client, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await TestGateway.JsonAsync(response);
        Assert.Equal("https://fjord.dev/problems/invalid-key", problem.GetProperty("type").GetString());
        Assert.StartsWith(field + ":", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single(await gw.Store.ListKeysAsync(default));
    }

    [Theory]
    [InlineData("""{"name":"x","scopes":["read"],"namespace":"billing"}""", "namespace")]
    [InlineData("""{"name":"x","scopes":["read"],"namespace":"*"}""", "namespace")]
    [InlineData("""{"name":"x","scopes":["read"],"namespace":"shopx"}""", "namespace")]
    [InlineData("""{"name":"x","scopes":["read"],"rateLimit":{"perSecond":11}}""", "rateLimit")]
    [InlineData("""{"name":"x","scopes":["read"],"rateLimit":{"perSecond":10,"burst":21}}""", "rateLimit")]
    [InlineData("""{"name":"x","scopes":["read"],"expiresAt":"2200-01-01T00:00:00Z"}""", "expiresAt")]
    public async Task ConfinedAdmin_CannotMintAKeyWithMoreRights(string body, string field)
    {
        await using var gw = await TestGateway.StartAsync();
        var (_, shopAdmin) = await CreateKeyAsync(gw, """{"name":"shop-admin","scopes":["admin"],"namespace":"shop","rateLimit":{"perSecond":10,"burst":20},"expiresAt":"2100-01-01T00:00:00Z"}""");
        using var client = gw.NewClient(shopAdmin);

        using var response = await CreateAsync(client, body);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.StartsWith(field + ":", (await TestGateway.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, (await gw.Store.ListKeysAsync(default)).Count);
    }

    [Fact]
    public async Task ConfinedAdmin_MintsWithinItsRights_InheritsItsLimits_AndSeesOnlyItsNamespace()
    {
        await using var gw = await TestGateway.StartAsync();
        var (shopAdminId, shopAdmin) = await CreateKeyAsync(gw, """{"name":"shop-admin","scopes":["admin"],"namespace":"shop","rateLimit":{"perSecond":10,"burst":20},"expiresAt":"2100-01-01T00:00:00Z"}""");
        var (billingId, _) = await CreateKeyAsync(gw, """{"name":"billing","scopes":["read"],"namespace":"billing"}""");
        using var client = gw.NewClient(shopAdmin);

        using var sub = await CreateAsync(client, """{"name":"eu-web","scopes":["invoke"],"namespace":"shop-eu"}""");
        using var plain = await CreateAsync(client, """{"name":"web","scopes":["invoke"]}""");
        using var list = await client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        using var otherGet = await client.GetAsync(new Uri("/v1/keys/" + billingId, UriKind.Relative));
        using var otherDelete = await client.DeleteAsync(new Uri("/v1/keys/" + billingId, UriKind.Relative));
        using var rootDelete = await client.DeleteAsync(new Uri("/v1/keys/admin", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Created, sub.StatusCode);
        Assert.Equal(HttpStatusCode.Created, plain.StatusCode);
        var inherited = await TestGateway.JsonAsync(plain);
        Assert.Equal("shop", inherited.GetProperty("namespace").GetString());
        Assert.Equal(10, inherited.GetProperty("rateLimit").GetProperty("perSecond").GetInt32());
        Assert.Equal(new DateTimeOffset(2100, 1, 1, 0, 0, 0, TimeSpan.Zero), inherited.GetProperty("expiresAt").GetDateTimeOffset());
        var visible = (await TestGateway.JsonAsync(list)).GetProperty("items").EnumerateArray().Select(k => k.GetProperty("namespace").GetString()).ToList();
        Assert.Equal(3, visible.Count);
        Assert.All(visible, ns => Assert.StartsWith("shop", ns, StringComparison.Ordinal));
        Assert.Equal(HttpStatusCode.NotFound, otherGet.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, otherDelete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, rootDelete.StatusCode);
        Assert.NotNull(await gw.Store.GetKeyAsync(billingId, default));
        Assert.NotNull(await gw.Store.GetKeyAsync(shopAdminId, default));
    }

    [Fact]
    public async Task NamespacedInvokeKey_Gets403OnDeployAndOnAnotherNamespace()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("shop");
        await gw.CreateFunctionAsync("shop-orders");
        await gw.CreateFunctionAsync("shopping");
        await gw.CreateFunctionAsync("billing-send");
        var (_, secret) = await CreateKeyAsync(gw, """{"name":"shop-web","scopes":["invoke"],"namespace":"shop"}""");
        using var web = gw.NewClient(secret);

        using var own = await gw.PostJobAsync("shop", "x", client: web);
        using var inside = await gw.PostJobAsync("shop-orders", "x", client: web);
        using var prefixOnly = await gw.PostJobAsync("shopping", "x", client: web);
        using var other = await gw.PostJobAsync("billing-send", "x", client: web);
        using var deploy = await web.PutAsync(new Uri("/v1/functions/shop-new", UriKind.Relative),
            new StringContent("""{ "runtime": "exec", "command": ["/bin/cat"] }""", Encoding.UTF8, "application/json"));
        using var bundle = await web.PutAsync(new Uri("/v1/functions/shop-orders/bundle", UriKind.Relative), new ByteArrayContent([1, 2, 3]));

        Assert.Equal(HttpStatusCode.Accepted, own.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, inside.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, prefixOnly.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, deploy.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, bundle.StatusCode);
        Assert.Null(await gw.Store.GetFunctionAsync("shop-new", default));
    }

    [Fact]
    public async Task ExpiredKey_Gets401()
    {
        var time = new ManualTime();
        await using var gw = await TestGateway.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var (_, secret) = await CreateKeyAsync(gw, $$"""{"name":"short","scopes":["read"],"expiresAt":"{{time.GetUtcNow().AddMinutes(5):O}}"}""");
        using var client = gw.NewClient(secret);

        using var before = await client.GetAsync(new Uri("/v1/functions", UriKind.Relative));
        time.Advance(TimeSpan.FromMinutes(5));
        using var after = await client.GetAsync(new Uri("/v1/functions", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        Assert.Contains("expired", (await TestGateway.JsonAsync(after)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rotate_IssuesANewSecret_RevokesTheCaller_KeepsTheRights()
    {
        await using var gw = await TestGateway.StartAsync();
        var (oldId, oldSecret) = await CreateKeyAsync(gw, """{"name":"ops","scopes":["admin"],"namespace":"shop","rateLimit":{"perSecond":100}}""");
        using var old = gw.NewClient(oldSecret);

        using var rotated = await old.PostAsync(new Uri("/v1/keys:rotate", UriKind.Relative), null);
        var key = await TestGateway.JsonAsync(rotated);
        using var fresh = gw.NewClient(key.GetProperty("key").GetString());
        using var withOld = await old.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        using var withNew = await fresh.GetAsync(new Uri("/v1/keys", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Created, rotated.StatusCode);
        Assert.NotEqual(oldId, key.GetProperty("id").GetString());
        Assert.Equal("ops", key.GetProperty("name").GetString());
        Assert.Equal("shop", key.GetProperty("namespace").GetString());
        Assert.Equal(100, key.GetProperty("rateLimit").GetProperty("perSecond").GetInt32());
        Assert.Equal(HttpStatusCode.Unauthorized, withOld.StatusCode);
        Assert.Equal(HttpStatusCode.OK, withNew.StatusCode);
        Assert.Null(await gw.Store.GetKeyAsync(oldId, default));
    }

    [Fact]
    public async Task LastUsedAt_IsWrittenByTheFlusher_NotPerRequest()
    {
        await using var gw = await TestGateway.StartAsync();
        var (id, secret) = await CreateKeyAsync(gw, """{"name":"web","scopes":["read"]}""");
        using var client = gw.NewClient(secret);
        for (var i = 0; i < 20; i++)
            (await client.GetAsync(new Uri("/v1/functions", UriKind.Relative))).Dispose();

        var unflushed = await gw.Store.GetKeyAsync(id, default);
        var flusher = gw.App.Services.GetServices<IHostedService>().OfType<KeyUseFlusher>().Single();
        await flusher.FlushAsync(default);
        var flushed = await gw.Store.GetKeyAsync(id, default);
        using var shown = await gw.Client.GetAsync(new Uri("/v1/keys/" + id, UriKind.Relative));

        Assert.Null(unflushed!.LastUsedAt);
        Assert.NotNull(flushed!.LastUsedAt);
        Assert.InRange(flushed.LastUsedAt!.Value, DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddSeconds(1));
        Assert.Equal(JsonValueKind.String, (await TestGateway.JsonAsync(shown)).GetProperty("lastUsedAt").ValueKind);
    }

    [Fact]
    public async Task KeyIds_AreValidated()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.Client.GetAsync(new Uri("/v1/keys/NOT%20AN%20ID", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    internal static async Task<HttpResponseMessage> CreateAsync(HttpClient client, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await client.PostAsync(new Uri("/v1/keys", UriKind.Relative), content);
    }

    internal static async Task<(string Id, string Secret)> CreateKeyAsync(TestGateway gw, string json)
    {
        using var response = await CreateAsync(gw.Client, json);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        var key = JsonDocument.Parse(body).RootElement;
        return (key.GetProperty("id").GetString()!, key.GetProperty("key").GetString()!);
    }
}
