using Fjord.Core.Nodes;
using Fjord.Gateway.Tests;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class NodesTests(Browser browser)
{
    [Fact]
    public async Task TheNodesPage_AndTheOverview_ShowThisNode_WithCpuBusyStealAndMemory()
    {
        await using var gw = await TestGateway.StartAsync();
        await using var heartbeat = new NodeHeartbeat(gw.Store, new NodeHeartbeatOptions { Id = "dash-node-1", Role = "up", DataDir = gw.Dir }, NullLogger.Instance);
        await Task.Delay(300); // a CPU interval to measure, after the baseline sample
        var report = await heartbeat.BeatAsync(CancellationToken.None);
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);

        await page.GetByRole(AriaRole.Link, new() { Name = "Nodes" }).ClickAsync();

        var row = page.Locator("#nodes tr[data-node='dash-node-1']");
        Assert.Equal("up", await row.Locator("td").Nth(0).TextContentAsync());
        Assert.Equal(NodeHeartbeat.Version, await row.Locator("td").Nth(1).TextContentAsync());
        Assert.Equal("alive", await row.Locator("td").Nth(2).TextContentAsync());
        Assert.Matches(@"^\d+\.\d %$", await row.Locator("td.cpu-busy").TextContentAsync());
        Assert.Matches(@"^\d+\.\d %$", await row.Locator("td.cpu-steal").TextContentAsync());
        Assert.Matches(@" of \d+\.\d GiB$", await row.Locator("td.memory").TextContentAsync());
        Assert.Equal("page", await page.GetByRole(AriaRole.Link, new() { Name = "Nodes" }).GetAttributeAsync("aria-current"));
        await Browser.ScreenshotAsync(page, "nodes");

        // The overview lists it too, from its live stats.
        await page.GetByRole(AriaRole.Link, new() { Name = "Overview" }).ClickAsync();
        var overviewRow = page.Locator("#overview-nodes tbody tr", new() { HasText = "dash-node-1" });
        await overviewRow.WaitForAsync();
        Assert.Equal(DashboardPercent(report.Host.CpuBusy), await overviewRow.Locator("td").Nth(2).TextContentAsync());
    }

    private static string DashboardPercent(double fraction) => (fraction * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %";
}
