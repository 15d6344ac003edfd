using Fjord.Gateway.Tests;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class LayoutTests(Browser browser)
{
    [Fact]
    public async Task AtPhoneWidth_NoPageScrollsSideways_AndTheKeyboardReachesTheNavigation()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", "\"env\": { \"A\": \"b\" }");
        var context = await browser.Instance.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gw.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await Session.SignInAsync(page, gw.AdminKey);
        await page.WaitForURLAsync(gw.Address.ToString());

        foreach (var path in new[] { "/", "/functions/resize", "/dead-letters", "/nodes", "/keys" })
        {
            await page.GotoAsync(path);
            // Wide tables scroll inside their own box; the page itself never does.
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            Assert.True(overflow <= 0, $"{path} is {overflow}px wider than the phone");
        }
        await Browser.ScreenshotAsync(page, "keys-phone");

        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.PressAsync("Tab");
        Assert.Equal("Overview", await page.EvaluateAsync<string>("() => document.activeElement.textContent"));
        Assert.Equal("/", await page.EvaluateAsync<string>("() => document.activeElement.getAttribute('href')"));
    }

    [Fact]
    public async Task ABrowserThatPrefersDark_GetsTheDarkTheme()
    {
        await using var gw = await TestGateway.StartAsync();
        var context = await browser.Instance.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gw.Address.ToString().TrimEnd('/'),
            ColorScheme = ColorScheme.Dark,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        await Session.SignInAsync(page, gw.AdminKey);

        await page.GotoAsync("/nodes");

        Assert.Equal("rgb(17, 20, 24)", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        await Browser.ScreenshotAsync(page, "nodes-dark");
    }
}
