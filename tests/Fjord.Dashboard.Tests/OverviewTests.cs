using Fjord.Gateway.Tests;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class OverviewTests(Browser browser)
{
    [Fact]
    public async Task JobsSubmittedThroughTheApi_AppearOnTheOverview_WithoutReloading_AndTheChartIsDrawnWithData()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize");
        await using var worker = await Session.SucceedingWorkerAsync(gw);
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        await page.WaitForURLAsync(gw.Address.ToString());
        var navigations = 0;
        page.FrameNavigated += (_, _) => navigations++;

        for (var i = 0; i < 20; i++)
        {
            using var accepted = await gw.PostJobAsync("resize", "job " + i);
            Assert.True(accepted.IsSuccessStatusCode);
        }

        // The table's "Succeeded" cell of the row reaches 20 by polling alone.
        var row = page.Locator("#functions tbody tr", new() { HasText = "resize" });
        await row.Locator("td").Nth(3).Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^20$") }).WaitForAsync();
        await page.WaitForFunctionAsync("() => Number(document.getElementById('throughput').dataset.points) >= 2");
        await page.WaitForFunctionAsync(
            "async () => { const d = await (await fetch('/dashboard/stats')).json(); return Math.max(...d.succeeded) > 0; }",
            null, new() { PollingInterval = 500 });
        await page.WaitForTimeoutAsync(2500); // one more poll, so the chart holds the non-zero rates

        var greenPixels = await page.EvaluateAsync<int>("""
            () => {
              const c = document.querySelector('#throughput canvas');
              const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < px.length; i += 4)
                if (px[i + 3] > 0 && px[i + 1] > px[i] + 40 && px[i + 1] > px[i + 2] + 40) n++;
              return n;
            }
            """);
        Assert.True(greenPixels > 20, $"the succeeded line is not drawn ({greenPixels} green pixels)");
        Assert.Equal(0, navigations);
        await Browser.ScreenshotAsync(page, "overview");
    }
}
