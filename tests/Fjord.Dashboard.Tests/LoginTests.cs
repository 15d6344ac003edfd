using System.Net;
using Fjord.Gateway.Tests;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class LoginTests(Browser browser)
{
    [Fact]
    public async Task SignIn_WithTheAdminKey_LandsOnTheOverview_WithAnHttpOnlyStrictCookie_ThatIsNotTheKey()
    {
        await using var gw = await TestGateway.StartAsync();
        var page = await Session.NewPageAsync(browser, gw);

        await Session.SignInAsync(page, gw.AdminKey);

        await page.WaitForURLAsync(gw.Address.ToString());
        Assert.Equal("Overview", await page.Locator("h1").TextContentAsync());
        var cookies = await page.Context.CookiesAsync();
        var session = Assert.Single(cookies, c => c.Name == "fjord_session");
        Assert.True(session.HttpOnly);
        Assert.Equal(SameSiteAttribute.Strict, session.SameSite);
        Assert.DoesNotContain(gw.AdminKey, session.Value, StringComparison.Ordinal);
        Assert.DoesNotContain(gw.AdminKey, await page.ContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "overview-empty");
    }

    [Fact]
    public async Task SignIn_WithAWrongKey_SaysSo_AndSetsNoCookie()
    {
        await using var gw = await TestGateway.StartAsync();
        var page = await Session.NewPageAsync(browser, gw);

        await Session.SignInAsync(page, "fjk_not-a-real-key");

        Assert.Equal("That API key is not known (or was revoked).", await page.Locator("#login-error").TextContentAsync());
        Assert.Empty(await page.Context.CookiesAsync());
        await Browser.ScreenshotAsync(page, "login-wrong-key");
    }

    [Fact]
    public async Task SignIn_WithAKeyWithoutRead_IsRefusedWithTheReason()
    {
        await using var gw = await TestGateway.StartAsync();
        var invokeOnly = await gw.AddKeyAsync("*", "invoke");
        var page = await Session.NewPageAsync(browser, gw);

        await Session.SignInAsync(page, invokeOnly);

        Assert.Contains("lacks the 'read' scope", await page.Locator("#login-error").TextContentAsync(), StringComparison.Ordinal);
        Assert.Empty(await page.Context.CookiesAsync());
    }

    [Fact]
    public async Task SignedOutVisits_RedirectToLogin_AndTheStatsAnswer401()
    {
        await using var gw = await TestGateway.StartAsync();
        var page = await Session.NewPageAsync(browser, gw);

        var response = await page.GotoAsync("/");

        Assert.EndsWith("/login", page.Url, StringComparison.Ordinal);
        Assert.Equal(200, response!.Status);
        Assert.True(await page.GetByLabel("API key").IsVisibleAsync());
        var stats = await page.APIRequest.GetAsync("/dashboard/stats");
        Assert.Equal(401, stats.Status);
    }

    [Fact]
    public async Task SignOut_EndsTheSession_OnTheServer()
    {
        await using var gw = await TestGateway.StartAsync();
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "fjord_session");

        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        await page.WaitForURLAsync("**/login");
        // The old cookie, replayed, no longer opens anything.
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = gw.Address };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", "fjord_session=" + cookie.Value);
        using var replay = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Redirect, replay.StatusCode);
        Assert.Equal("/login", replay.Headers.Location?.ToString());
    }

    [Fact]
    public async Task ForgedPosts_WithoutTheToken_OrFromAnotherOrigin_Get403()
    {
        await using var gw = await TestGateway.StartAsync();
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        var origin = gw.Address.GetLeftPart(UriPartial.Authority);

        var noToken = await page.APIRequest.PostAsync("/logout", new()
        {
            Headers = new Dictionary<string, string> { ["Origin"] = origin },
            Form = page.APIRequest.CreateFormData(),
        });
        var otherOrigin = await page.APIRequest.PostAsync("/logout", new()
        {
            Headers = new Dictionary<string, string> { ["Origin"] = "http://evil.example" },
        });

        Assert.Equal(403, noToken.Status);
        Assert.Equal(403, otherOrigin.Status);
        // Still signed in: neither forged request acted.
        await page.GotoAsync("/");
        Assert.Equal("Overview", await page.Locator("h1").TextContentAsync());
    }

    [Fact]
    public async Task Pages_CarryTheSecurityHeaders()
    {
        await using var gw = await TestGateway.StartAsync();
        using var client = gw.NewClient(null);

        using var login = await client.GetAsync(new Uri("/login", UriKind.Relative));

        var csp = string.Join(";", login.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("DENY", login.Headers.GetValues("X-Frame-Options").Single());
        Assert.Equal("nosniff", login.Headers.GetValues("X-Content-Type-Options").Single());
    }
}
