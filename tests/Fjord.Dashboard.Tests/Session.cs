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

    /// <summary>
    /// A POST the page's own forms do not offer, carrying this session's real anti-forgery token and
    /// origin: only the key's scopes stand between it and the action.
    /// </summary>
    public static async Task<IAPIResponse> ForgedPostAsync(IPage page, TestGateway gw, string path, IReadOnlyDictionary<string, string>? fields = null)
    {
        var token = await page.Locator("form.signout input[name=_csrf]").GetAttributeAsync("value");
        var form = page.APIRequest.CreateFormData();
        form.Set("_csrf", token!);
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
            form.Set(name, value);
        return await page.APIRequest.PostAsync(path, new()
        {
            Headers = new Dictionary<string, string> { ["Origin"] = gw.Address.GetLeftPart(UriPartial.Authority) },
            Form = form,
        });
    }

    /// <summary>The job's status as the API reports it to the admin key.</summary>
    public static async Task<string?> JobStatusAsync(TestGateway gw, string id)
    {
        using var response = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
        return (await TestGateway.JsonAsync(response)).GetProperty("status").GetString();
    }

    /// <summary>The real worker host over the gateway's store; every job succeeds with "ok".</summary>
    public static Task<TestWorker> SucceedingWorkerAsync(TestGateway gw) =>
        TestWorker.StartAsync(gw, (_, _) => Task.FromResult(new RunResult(Encoding.UTF8.GetBytes("ok"), "text/plain", null, "", 1)));
}
