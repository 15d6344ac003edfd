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

    [Fact]
    public async Task TheNodesPage_ShowsANodeThatStartsBeatingLater_WithoutReloading()
    {
        await using var gw = await TestGateway.StartAsync();
        await using var first = new NodeHeartbeat(gw.Store, new NodeHeartbeatOptions { Id = "live-node-1", Role = "up", DataDir = gw.Dir }, NullLogger.Instance);
        await first.BeatAsync(CancellationToken.None);
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        await page.GotoAsync("/nodes");
        await page.Locator("#nodes tr[data-node='live-node-1']").WaitForAsync();
        // A marker on the window: a reload would lose it, a live refresh keeps it.
        await page.EvaluateAsync("() => { window.fjordMarker = 7; }");

        await using var second = new NodeHeartbeat(gw.Store, new NodeHeartbeatOptions { Id = "live-node-2", Role = "worker", DataDir = gw.Dir }, NullLogger.Instance);
        await second.BeatAsync(CancellationToken.None);

        var row = page.Locator("#nodes tr[data-node='live-node-2']");
        await row.WaitForAsync(new() { Timeout = 20_000 });
        Assert.Equal("worker", await row.Locator("td").Nth(0).TextContentAsync());
        Assert.Equal(7, await page.EvaluateAsync<int>("() => window.fjordMarker"));
    }

    private static string DashboardPercent(double fraction) => (fraction * 100).ToString("0.0", System.Globalization.CultureInfo.InvariantCulture) + " %";
}
