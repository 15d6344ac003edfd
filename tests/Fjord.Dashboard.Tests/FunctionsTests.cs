using Fjord.Gateway.Tests;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class FunctionsTests(Browser browser)
{
    [Fact]
    public async Task Pause_FromTheFunctionsPage_KeepsJobsReady_AndResume_LetsThemRun()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize");
        await using var worker = await Session.SucceedingWorkerAsync(gw);
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        await page.GotoAsync("/functions");
        await page.GetByRole(AriaRole.Link, new() { Name = "resize" }).ClickAsync();

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        Assert.Equal("paused", await page.Locator("#state").TextContentAsync());
        using var accepted = await gw.PostJobAsync("resize", "x");
        var id = (await TestGateway.JsonAsync(accepted)).GetProperty("id").GetString();
        await Task.Delay(1500);
        Assert.Equal("queued", await Session.JobStatusAsync(gw, id!)); // still waiting, not run
        await Browser.ScreenshotAsync(page, "function-paused");

        await page.GetByRole(AriaRole.Button, new() { Name = "Resume" }).ClickAsync();

        Assert.Equal("active", await page.Locator("#state").TextContentAsync());
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await Session.JobStatusAsync(gw, id!) != "succeeded" && DateTime.UtcNow < deadline)
            await Task.Delay(200);
        Assert.Equal("succeeded", await Session.JobStatusAsync(gw, id!));
    }

    [Fact]
    public async Task AReadKey_SeesNoUsableButton_AndItsForgedPost_WithAValidToken_Gets403()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize");
        var readKey = await gw.AddKeyAsync("*", "read");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, readKey);

        await page.GotoAsync("/functions/resize");

        var button = page.GetByRole(AriaRole.Button, new() { Name = "Pause" });
        Assert.True(await button.IsDisabledAsync());
        Assert.Contains("lacks the 'deploy' scope", await page.Locator("#why-disabled").TextContentAsync(), StringComparison.Ordinal);
        // The token from a real page of this session: only the scope check stands in the way.
        var forged = await Session.ForgedPostAsync(page, gw, "/functions/resize/pause");
        Assert.Equal(403, forged.Status);
        using var state = await gw.Client.GetAsync(new Uri("/v1/functions/resize", UriKind.Relative));
        Assert.False((await TestGateway.JsonAsync(state)).GetProperty("paused").GetBoolean());
        await Browser.ScreenshotAsync(page, "function-read-key");
    }
}
