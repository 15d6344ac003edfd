using System.Net;
using Fjord.Gateway.Tests;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class KeysTests(Browser browser)
{
    [Fact]
    public async Task AnAdmin_CreatesAKey_SeesItsSecretOnceUncached_ThenRevokesIt()
    {
        await using var gw = await TestGateway.StartAsync();
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        await page.GetByRole(AriaRole.Link, new() { Name = "Keys" }).ClickAsync();

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync("ci-reader");
        await page.GetByLabel("deploy").CheckAsync();
        var created = await page.RunAndWaitForResponseAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Create key" }).ClickAsync(),
            r => r.Url.EndsWith("/keys", StringComparison.Ordinal) && r.Request.Method == "POST");

        Assert.Equal(201, created.Status);
        Assert.Equal("no-store", created.Headers["cache-control"]);
        var secret = await page.GetByLabel("Secret: copy it now, it is not shown again").InputValueAsync();
        Assert.StartsWith("fjk_", secret, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "key-created");
        using (var withNewKey = gw.NewClient(secret))
        using (var queues = await withNewKey.GetAsync(new Uri("/v1/queues", UriKind.Relative)))
            Assert.Equal(HttpStatusCode.OK, queues.StatusCode);

        await page.GetByRole(AriaRole.Link, new() { Name = "Back to keys" }).ClickAsync();
        Assert.DoesNotContain(secret, await page.ContentAsync(), StringComparison.Ordinal);
        var row = page.Locator("#keys tbody tr", new() { HasText = "ci-reader" });
        Assert.Equal("read, deploy", await row.Locator("td").Nth(1).TextContentAsync());
        var id = await row.GetAttributeAsync("data-key");
        await Browser.ScreenshotAsync(page, "keys");
        await row.GetByRole(AriaRole.Button, new() { Name = "Revoke key " + id }).ClickAsync();

        Assert.Equal($"Key {id} is revoked.", await page.Locator("#outcome").TextContentAsync());
        Assert.Equal(0, await page.Locator("#keys tbody tr", new() { HasText = "ci-reader" }).CountAsync());
        using var revoked = gw.NewClient(secret);
        using var refused = await revoked.GetAsync(new Uri("/v1/queues", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task ADeployKey_HasNoKeysLink_TheKeysPageSaysWhy_AndAForgedCreateGets403()
    {
        await using var gw = await TestGateway.StartAsync();
        var deployKey = await gw.AddKeyAsync("*", "read", "deploy");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, deployKey);
        await page.WaitForURLAsync(gw.Address.ToString());

        Assert.Equal(0, await page.Locator("nav").GetByRole(AriaRole.Link, new() { Name = "Keys" }).CountAsync());
        var visit = await page.GotoAsync("/keys");
        Assert.Equal(403, visit!.Status);
        Assert.Contains("needs the 'admin' scope", await page.Locator("#not-admin").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#keys").CountAsync());

        var forged = await Session.ForgedPostAsync(page, gw, "/keys", new Dictionary<string, string> { ["name"] = "sneaky", ["scopes"] = "read" });
        Assert.Equal(403, forged.Status);
        using var list = await gw.Client.GetAsync(new Uri("/v1/keys", UriKind.Relative));
        Assert.DoesNotContain("sneaky", await list.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }
}
