using System.Net;
using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Secrets;
using Fjord.Gateway.Functions;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Gateway.Tests;

/// <summary>
/// <c>/v1/secrets</c> on a real gateway and SQLite store: deploy scope, namespaces, sizes, values
/// never in an answer, the deploy-time check for unknown secrets, and env values masked for read keys.
/// </summary>
public sealed class SecretEndpointsTests
{
    private readonly string _value = "pw-" + Guid.NewGuid().ToString("N");

    private static Task<TestGateway> StartAsync() => TestGateway.StartAsync(o => o with { SecretsKey = SecretKey.Generate() });

    private static async Task<HttpResponseMessage> PutAsync(HttpClient client, string name, byte[] value)
    {
        using var content = new ByteArrayContent(value);
        return await client.PutAsync(new Uri("/v1/secrets/" + name, UriKind.Relative), content);
    }

    private static Task<HttpResponseMessage> PutAsync(HttpClient client, string name, string value) => PutAsync(client, name, Encoding.UTF8.GetBytes(value));

    [Fact]
    public async Task PutListDelete_AnswersNeverHoldTheValue_AndTheFileHoldsItSealed()
    {
        await using var gw = await StartAsync();

        using var put = await PutAsync(gw.Client, "db-password", _value);
        using var again = await PutAsync(gw.Client, "db-password", _value + "-2");
        using var list = await gw.Client.GetAsync(new Uri("/v1/secrets", UriKind.Relative));
        var listText = await list.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NoContent, put.StatusCode);
        Assert.Equal("", await put.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var item = Assert.Single((await TestGateway.JsonAsync(list)).GetProperty("items").EnumerateArray());
        Assert.Equal("db-password", item.GetProperty("name").GetString());
        Assert.Equal(_value.Length + 2, item.GetProperty("size").GetInt32());
        Assert.True(item.GetProperty("updatedAt").GetDateTimeOffset() >= item.GetProperty("createdAt").GetDateTimeOffset());
        Assert.False(item.TryGetProperty("value", out _));
        Assert.DoesNotContain(_value, listText, StringComparison.Ordinal);

        // The store file (and its WAL) never holds the plaintext.
        foreach (var file in Directory.GetFiles(gw.Dir, "fjord.db*").Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var bytes = new MemoryStream();
            await stream.CopyToAsync(bytes);
            Assert.Equal(-1, bytes.ToArray().AsSpan().IndexOf(Encoding.UTF8.GetBytes(_value)));
        }

        using var delete = await gw.Client.DeleteAsync(new Uri("/v1/secrets/db-password", UriKind.Relative));
        using var deleteAgain = await gw.Client.DeleteAsync(new Uri("/v1/secrets/db-password", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, deleteAgain.StatusCode);
        Assert.Contains("unknown-secret", await deleteAgain.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task OnlyDeployKeys_ManageSecrets_AndOnlyInTheirNamespace()
    {
        await using var gw = await StartAsync();
        using var anonymous = gw.NewClient(null);
        using var reader = gw.NewClient(await gw.AddKeyAsync("*", "read", "invoke"));
        using var shop = gw.NewClient(await gw.AddKeyAsync("shop", "deploy"));
        using (await PutAsync(gw.Client, "billing-token", _value))
        {
        }

        using var noKey = await PutAsync(anonymous, "shop-db", _value);
        using var readPut = await PutAsync(reader, "shop-db", _value);
        using var readList = await reader.GetAsync(new Uri("/v1/secrets", UriKind.Relative));
        using var readDelete = await reader.DeleteAsync(new Uri("/v1/secrets/billing-token", UriKind.Relative));
        using var shopOwn = await PutAsync(shop, "shop-db", _value);
        using var shopForeign = await PutAsync(shop, "billing-token", "overwritten");
        using var shopDeleteForeign = await shop.DeleteAsync(new Uri("/v1/secrets/billing-token", UriKind.Relative));
        using var shopList = await shop.GetAsync(new Uri("/v1/secrets", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readPut.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readList.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readDelete.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, shopOwn.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, shopForeign.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, shopDeleteForeign.StatusCode);
        Assert.Equal(["shop-db"], (await TestGateway.JsonAsync(shopList)).GetProperty("items").EnumerateArray().Select(i => i.GetProperty("name").GetString()));
        Assert.Equal(2, (await gw.Store.ListSecretsAsync(default)).Count);
    }

    [Fact]
    public async Task SizesAndNames_AreChecked()
    {
        await using var gw = await StartAsync();

        using var largest = await PutAsync(gw.Client, "big", new byte[SecretName.MaxValueBytes]);
        using var tooLarge = await PutAsync(gw.Client, "bigger", new byte[SecretName.MaxValueBytes + 1]);
        using var empty = await PutAsync(gw.Client, "empty", []);
        using var upper = await PutAsync(gw.Client, "DB", "x");
        using var dotted = await PutAsync(gw.Client, "..", "x");
        using var encodedSlash = await PutAsync(gw.Client, "a%2Fb", "x");

        Assert.Equal(HttpStatusCode.NoContent, largest.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooLarge.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, upper.StatusCode);
        Assert.NotEqual(HttpStatusCode.NoContent, dotted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, encodedSlash.StatusCode);
        Assert.Equal(["big"], (await gw.Store.ListSecretsAsync(default)).Select(s => s.Name));
    }

    [Fact]
    public async Task WithoutASecretsKey_PutIs503_NamingTheFix()
    {
        await using var gw = await TestGateway.StartAsync();

        using var put = await PutAsync(gw.Client, "db", _value);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, put.StatusCode);
        Assert.Contains("FJORD_SECRETS_KEY", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await gw.Store.ListSecretsAsync(default));
    }

    [Fact]
    public async Task DeployingAFunctionThatNamesAnUnknownSecret_Is400NamingIt_ThenWorksOnceItExists()
    {
        await using var gw = await StartAsync();
        const string Spec = """{ "runtime": "exec", "command": ["/bin/cat"], "secrets": ["db-password", "api-token"] }""";
        using (await PutAsync(gw.Client, "api-token", _value))
        {
        }

        using var refused = await gw.PutFunctionAsync("reader", Spec);
        var problem = (await TestGateway.JsonAsync(refused)).GetProperty("detail").GetString()!;
        using (await PutAsync(gw.Client, "db-password", _value))
        {
        }
        using var created = await gw.PutFunctionAsync("reader", Spec);

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("secret 'db-password' does not exist", problem, StringComparison.Ordinal);
        Assert.DoesNotContain("api-token' does not exist", problem, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var spec = (await TestGateway.JsonAsync(created)).GetProperty("spec");
        Assert.Equal(["db-password", "api-token"], spec.GetProperty("secrets").EnumerateArray().Select(s => s.GetString()));
        Assert.DoesNotContain(_value, spec.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheInProcessDeployer_RefusesUnknownSecretsToo()
    {
        await using var gw = await StartAsync();
        var deployer = gw.App.Services.GetRequiredService<FunctionDeployer>();

        var put = await deployer.PutFunctionAsync("fn", new FunctionDocument { Runtime = "exec", Command = ["/bin/cat"], Secrets = ["nope"] }, default);

        Assert.Null(put.State);
        Assert.Contains(put.Errors, e => e.Contains("secret 'nope' does not exist", StringComparison.Ordinal));
        Assert.Null(await gw.Store.GetFunctionAsync("fn", default));
    }

    [Fact]
    public async Task ANamespacedDeployKey_CannotHandItsFunctionAnotherNamespacesSecret()
    {
        await using var gw = await StartAsync();
        using var shop = gw.NewClient(await gw.AddKeyAsync("shop", "deploy"));
        using (await PutAsync(gw.Client, "billing-token", _value))
        {
        }

        using var content = new StringContent("""{ "runtime": "exec", "command": ["/bin/cat"], "secrets": ["billing-token"] }""", Encoding.UTF8, "application/json");
        using var response = await shop.PutAsync(new Uri("/v1/functions/shop-reader", UriKind.Relative), content);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("does not cover secret 'billing-token'", (await TestGateway.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null(await gw.Store.GetFunctionAsync("shop-reader", default));
    }

    [Fact]
    public async Task EnvValues_AreMaskedForReadKeys_AndShownToDeployKeys()
    {
        await using var gw = await StartAsync();
        await gw.CreateFunctionAsync("envy", $$"""  "env": { "DB_URL": "{{_value}}" } """);
        using var reader = gw.NewClient(await gw.AddKeyAsync("*", "read"));
        using var deployer = gw.NewClient(await gw.AddKeyAsync("*", "read", "deploy"));

        var readOne = await reader.GetStringAsync(new Uri("/v1/functions/envy", UriKind.Relative));
        var readAll = await reader.GetStringAsync(new Uri("/v1/functions", UriKind.Relative));
        var deployOne = await deployer.GetStringAsync(new Uri("/v1/functions/envy", UriKind.Relative));
        var adminAll = await gw.Client.GetStringAsync(new Uri("/v1/functions", UriKind.Relative));

        Assert.DoesNotContain(_value, readOne, StringComparison.Ordinal);
        Assert.DoesNotContain(_value, readAll, StringComparison.Ordinal);
        Assert.Contains("\"DB_URL\":\"***\"", readOne, StringComparison.Ordinal);
        Assert.Contains("\"DB_URL\":\"***\"", readAll, StringComparison.Ordinal);
        Assert.Contains(_value, deployOne, StringComparison.Ordinal);
        Assert.Contains(_value, adminAll, StringComparison.Ordinal);
    }
}
