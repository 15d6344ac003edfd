using Fjord.Gateway.Tests;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class FunctionPageTests(Browser browser)
{
    [Fact]
    public async Task TheFunctionPage_MasksEnvValues_ListsRecentJobs_AndDrawsDepthAndAge()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", "\"env\": { \"API_TOKEN\": \"tok-s3cret-value\" }");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        using (var paused = await gw.Client.PostAsync(new Uri("/v1/functions/resize/pause", UriKind.Relative), null))
            Assert.True(paused.IsSuccessStatusCode);
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            using var accepted = await gw.PostJobAsync("resize", "job " + i);
            ids.Add((await TestGateway.JsonAsync(accepted)).GetProperty("id").GetString()!);
        }

        await page.GotoAsync("/functions/resize");

        var spec = await page.Locator("#spec").TextContentAsync();
        Assert.Contains("\"API_TOKEN\": \"***\"", spec, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-s3cret-value", await page.ContentAsync(), StringComparison.Ordinal);
        Assert.Equal(5, await page.Locator("#recent-jobs tbody tr").CountAsync());
        Assert.Equal("/jobs/" + ids[^1], await page.Locator("#recent-jobs tbody tr").First.Locator("a").GetAttributeAsync("href"));
        Assert.Equal("queued", await page.Locator("#recent-jobs tbody tr").First.Locator("td").First.TextContentAsync());
        Assert.Contains("0 in the cluster", await page.Locator("#pool").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal("healthy", await page.Locator("#health").TextContentAsync());

        // Five jobs wait while the function is paused: the ready line sits at 5 and the age line climbs.
        await page.WaitForFunctionAsync("() => Number(document.getElementById('depth').dataset.points) >= 3");
        var series = await page.EvaluateAsync<double[]>("async () => { const d = await (await fetch('/dashboard/stats/resize')).json(); return [Math.max(...d.ready), Math.max(...d.oldestReadyAgeS)]; }");
        Assert.Equal(5, series[0]);
        Assert.True(series[1] > 0, "the oldest ready age is recorded");
        var drawn = await page.EvaluateAsync<int>("""
            () => {
              const c = document.querySelector('#depth canvas');
              const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
              let n = 0;
              for (let i = 0; i < px.length; i += 4) if (px[i + 3] > 0) n++;
              return n;
            }
            """);
        Assert.True(drawn > 100, $"the depth chart is empty ({drawn} drawn pixels)");
        await Browser.ScreenshotAsync(page, "function-page");
    }

    [Fact]
    public async Task TheFunctionSeries_IsRefusedToAKeyOutsideItsNamespace()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize");
        var other = await gw.AddKeyAsync("billing", "read");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, other);

        var series = await page.APIRequest.GetAsync("/dashboard/stats/resize");

        Assert.Equal(403, series.Status);
    }
}
