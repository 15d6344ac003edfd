using Fjord.Gateway.Tests;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class SchedulesTests(Browser browser)
{
    [Fact]
    public async Task TriggerNow_MakesAJob_AndPause_StopsTheSchedule_ThenResume()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("report", """ "schedules": [{ "name": "yearly", "cron": "0 0 1 1 *", "payload": "hi" }] """);
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        await page.GotoAsync("/schedules");
        var row = page.Locator("tr[data-schedule='report/yearly']");
        Assert.Equal("active", await row.Locator(".state").TextContentAsync());
        Assert.NotEqual("-", await row.Locator(".next").TextContentAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Trigger report/yearly now" }).ClickAsync();
        var id = await page.Locator("#triggered a").TextContentAsync();
        using (var job = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative)))
            Assert.Equal("yearly", (await TestGateway.JsonAsync(job)).GetProperty("trigger").GetProperty("name").GetString());
        Assert.Equal(id, await row.Locator(".last-job").TextContentAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause report/yearly" }).ClickAsync();
        Assert.Equal("paused", await row.Locator(".state").TextContentAsync());
        Assert.Equal("-", await row.Locator(".next").TextContentAsync());
        await Browser.ScreenshotAsync(page, "schedules-paused");
        await page.GetByRole(AriaRole.Button, new() { Name = "Resume report/yearly" }).ClickAsync();
        Assert.Equal("active", await row.Locator(".state").TextContentAsync());
    }

    [Fact]
    public async Task AReadKey_SeesDisabledButtons_AndItsForgedTrigger_Gets403()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("report", """ "schedules": [{ "name": "yearly", "cron": "0 0 1 1 *" }] """);
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, await gw.AddKeyAsync("*", "read"));
        await page.GotoAsync("/schedules");

        Assert.True(await page.GetByRole(AriaRole.Button, new() { Name = "Trigger now" }).IsDisabledAsync());
        var token = await page.Locator("form.signout input[name=_csrf]").GetAttributeAsync("value");
        var form = page.APIRequest.CreateFormData();
        form.Set("_csrf", token!);
        var forged = await page.APIRequest.PostAsync("/schedules/report/yearly/trigger", new()
        {
            Headers = new Dictionary<string, string> { ["Origin"] = gw.Address.GetLeftPart(UriPartial.Authority) },
            Form = form,
        });
        Assert.Equal(403, forged.Status);
        Assert.Empty((await gw.Store.ListJobsAsync(new Core.Storage.JobQuery("report"), default)).Items);
    }
}
