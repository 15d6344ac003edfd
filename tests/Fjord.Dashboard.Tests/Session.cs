using System.Text;
using Fjord.Gateway.Tests;
using Fjord.Runtime;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

/// <summary>A fresh browser context (its own cookies) on a test gateway, with the sign-in steps a user takes.</summary>
internal static class Session
{
    public static async Task<IPage> NewPageAsync(Browser browser, TestGateway gw)
    {
        var context = await browser.Instance.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gw.Address.ToString().TrimEnd('/'),
            ViewportSize = new ViewportSize { Width = 1100, Height = 760 },
        });
        // Generous: the machine is shared and a cold first page JIT-compiles the gateway.
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    public static async Task SignInAsync(IPage page, string key)
    {
        await page.GotoAsync("/login");
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>The real worker host over the gateway's store; every job succeeds with "ok".</summary>
    public static Task<TestWorker> SucceedingWorkerAsync(TestGateway gw) =>
        TestWorker.StartAsync(gw, (_, _) => Task.FromResult(new RunResult(Encoding.UTF8.GetBytes("ok"), "text/plain", null, "", 1)));
}
