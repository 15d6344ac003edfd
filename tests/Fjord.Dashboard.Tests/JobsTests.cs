using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Fjord.Core.Jobs;
using Fjord.Gateway.Tests;
using Fjord.Runtime;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

/// <summary>/jobs and /jobs/{id} in Chromium, against a real gateway, SQLite store and worker host.</summary>
[Collection(BrowserCollection.Name)]
public sealed partial class JobsTests(Browser browser)
{
    private const string Flaky = """ "maxAttempts": 2, "backoff": { "initial": "50ms", "max": "50ms" } """;

    [Fact]
    public async Task JobsSubmittedThroughTheApi_AppearOnJobsAndOnTheOverview_WithoutReloading()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize");
        var jobs = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(jobs, gw.AdminKey);
        var overview = await jobs.Context.NewPageAsync();
        await overview.GotoAsync("/");
        await jobs.GotoAsync("/jobs");
        Assert.True(await jobs.Locator("#jobs-empty").IsVisibleAsync());
        var navigations = 0;
        jobs.FrameNavigated += (_, _) => navigations++;
        overview.FrameNavigated += (_, _) => navigations++;

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
            ids.Add(await AcceptAsync(gw, "resize", "job " + i));

        // No worker yet: all five wait, newest first, and the overview's Ready cell says 5.
        foreach (var id in ids)
            await jobs.Locator($"#jobs tbody tr[data-id='{id}']").WaitForAsync();
        var shown = await jobs.Locator("#jobs tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        Assert.Equal(Enumerable.Reverse(ids), shown);
        Assert.False(await jobs.Locator("#jobs-empty").IsVisibleAsync());
        var ready = overview.Locator("#functions tbody tr", new() { HasText = "resize" }).Locator("td").Nth(0);
        await ready.Filter(new() { HasTextRegex = new Regex("^5$") }).WaitForAsync();

        // A worker starts: the statuses move to succeeded on the same open page.
        await using var worker = await Session.SucceedingWorkerAsync(gw);
        await jobs.Locator("#jobs tbody .status-succeeded").Nth(4).WaitForAsync();
        Assert.Equal(0, navigations);
        await Browser.ScreenshotAsync(jobs, "jobs");
    }

    [Fact]
    public async Task Filters_NarrowTheList_AndTheJumpBox_OpensAJob()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", """ "maxAttempts": 1 """);
        await gw.CreateFunctionAsync("thumb");
        await using var worker = await TestWorker.StartAsync(gw, (r, _) => Task.FromResult(
            Encoding.UTF8.GetString(r.Payload.Span) == "bad" ? TestWorker.Fail(ErrorKind.Timeout, "too slow") : TestWorker.Ok("ok")));
        var good = await AcceptAsync(gw, "resize", "good");
        var bad = await AcceptAsync(gw, "resize", "bad");
        var other = await AcceptAsync(gw, "thumb", "good");
        await WaitForStatusAsync(gw, bad, "failed");
        await WaitForStatusAsync(gw, good, "succeeded");
        await WaitForStatusAsync(gw, other, "succeeded");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        await page.GotoAsync("/jobs");

        await page.GetByLabel("Function").SelectOptionAsync("resize");
        await page.GetByLabel("Status").SelectOptionAsync("failed");
        await page.GetByLabel("Error kind").SelectOptionAsync("timeout");
        await page.GetByLabel("Created").SelectOptionAsync("1h");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).PressAsync("Enter");

        await page.WaitForURLAsync(new Regex("status=failed"));
        var shown = await page.Locator("#jobs tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)");
        Assert.Equal([bad], shown);
        await page.GotoAsync("/jobs?function=resize&errorKind=memory");
        Assert.Equal(0, await page.Locator("#jobs tbody tr").CountAsync());

        await page.GetByLabel("Job id").FillAsync(other);
        await page.GetByLabel("Job id").PressAsync("Enter");
        await page.WaitForURLAsync("**/jobs/" + other);
        Assert.Equal("succeeded", await page.Locator("#status").TextContentAsync());

        await page.GotoAsync("/jobs");
        await page.GetByLabel("Job id").FillAsync("not-an-id");
        await page.GetByLabel("Job id").PressAsync("Enter");
        Assert.Contains("32 hex digits", await page.Locator("#jump-error").TextContentAsync(), StringComparison.Ordinal);

        // At phone width nothing spills sideways but the table's own scroller, and the dark theme follows the system.
        await page.SetViewportSizeAsync(390, 844);
        await page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await page.GotoAsync("/jobs");
        Assert.True(await page.EvaluateAsync<bool>("() => document.documentElement.scrollWidth <= window.innerWidth"));
        Assert.Equal("rgb(17, 20, 24)", await page.EvaluateAsync<string>("() => getComputedStyle(document.body).backgroundColor"));
        await Browser.ScreenshotAsync(page, "jobs-phone-dark");
    }

    [Fact]
    public async Task AJobPage_ShowsItsResult_LogsPerAttempt_Timeline_AndTheUntrustedPayloadEscaped()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", Flaky);
        // Attempt 1 fails (a crash), attempt 2 echoes the payload; each attempt logs markup that must stay text.
        await using var worker = await TestWorker.StartAsync(gw, (r, _) => Task.FromResult(r.Attempt == 1
            ? new RunResult([], "text/plain", new JobError(ErrorKind.Crash, "killed by signal 9"), "<b>first</b> try", 1)
            : new RunResult(r.Payload.ToArray(), "application/json", null, "second <i>try</i> worked", 1)));
        const string payload = """{"name":"<script>alert(1)</script>","n":1}""";
        var id = await AcceptAsync(gw, "resize", payload, "application/json");
        await WaitForStatusAsync(gw, id, "succeeded");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        var dialogs = 0;
        page.Dialog += (_, d) => { dialogs++; _ = d.DismissAsync(); };

        await page.GotoAsync("/jobs/" + id);

        Assert.Equal("succeeded", await page.Locator("#status").TextContentAsync());
        Assert.Equal("http", await page.Locator("#trigger").TextContentAsync());
        Assert.Contains("\"<script>alert(1)</script>\"", await page.Locator("#result-text").TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("\"name\"", await page.Locator("#payload-text").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("#job script, #job b, #job i").CountAsync());
        Assert.Equal(0, dialogs);
        Assert.Equal("<b>first</b> try", await page.Locator("#log-1 pre").TextContentAsync());
        Assert.Equal("second <i>try</i> worked", await page.Locator("#log-2 pre").TextContentAsync());
        var timeline = await page.Locator("#timeline").InnerTextAsync();
        Assert.Matches(new Regex("accepted[\\s\\S]*attempt 1 on test-node started.*failed: crash: killed by signal 9[\\s\\S]*attempt 2 on test-node started.*succeeded[\\s\\S]*finished: succeeded"), timeline);
        Assert.Matches(new Regex("^[0-9a-f]{32}$"), await page.Locator("#trace-id").TextContentAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Retry" }).CountAsync());
        await Browser.ScreenshotAsync(page, "job");
    }

    [Fact]
    public async Task AnImagePayload_IsDrawn_UnderTheCsp_AndBinaryIsHex_WithItsSize()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(new RunResult([0, 1, 2, 0xfe, 0xff], "application/octet-stream", null, "", 1)));
        var image = await AcceptAsync(gw, "resize", Png, "image/png");
        await WaitForStatusAsync(gw, image, "succeeded");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        var blocked = 0;
        page.Console += (_, m) => { if (m.Text.Contains("Content Security Policy", StringComparison.Ordinal)) blocked++; };

        await page.GotoAsync("/jobs/" + image);

        await page.WaitForFunctionAsync("() => { const i = document.querySelector('#payload-image img'); return i && i.complete && i.naturalWidth === 2; }");
        Assert.Contains("png image", await page.Locator("#payload-image img").GetAttributeAsync("alt"), StringComparison.Ordinal);
        Assert.Contains("00 01 02 fe ff", await page.Locator("#result-hex").TextContentAsync(), StringComparison.Ordinal);
        Assert.Contains("Binary, 5 bytes", await page.Locator("section[aria-labelledby=result-title]").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, blocked);
        // The image route serves only what begins like a raster image: the binary result is refused.
        var notImage = await page.APIRequest.GetAsync($"/jobs/{image}/result/image");
        Assert.Equal(404, notImage.Status);
        var served = await page.APIRequest.GetAsync($"/jobs/{image}/payload/image");
        Assert.Equal("image/png", served.Headers["content-type"]);
        Assert.Equal("nosniff", served.Headers["x-content-type-options"]);
        await Browser.ScreenshotAsync(page, "job-image");
    }

    [Fact]
    public async Task RetryAndCancel_FromTheJobPage_GoThroughTheApi_AndThePageFollowsTheJob()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", """ "maxAttempts": 1 """);
        var runs = 0;
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(
            Interlocked.Increment(ref runs) == 1 ? TestWorker.Fail(ErrorKind.Exit, "exit 1") : TestWorker.Ok("fine now")));
        var id = await AcceptAsync(gw, "resize", "x");
        await WaitForStatusAsync(gw, id, "failed");
        var later = await AcceptAsync(gw, "resize", "y", delay: "1h");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);

        await page.GotoAsync("/jobs/" + id);
        Assert.Equal("failed", await page.Locator("#status").TextContentAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry" }).ClickAsync();

        // The page reloads by itself until the retried job has run.
        await page.Locator("#status", new() { HasTextString = "succeeded" }).WaitForAsync();
        Assert.Equal("succeeded", await StatusAsync(gw, id));
        Assert.Contains("fine now", await page.Locator("#result-text").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(2, await page.Locator("details.attempt-log").CountAsync());

        await page.GotoAsync("/jobs/" + later);
        Assert.Equal("scheduled", await page.Locator("#status").TextContentAsync());
        await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).ClickAsync();
        await page.Locator("#status", new() { HasTextString = "canceled" }).WaitForAsync();
        Assert.Equal("canceled", await StatusAsync(gw, later));
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Cancel" }).CountAsync());
        await Browser.ScreenshotAsync(page, "job-canceled");
    }

    [Fact]
    public async Task AReadKey_SeesNoRetryButton_AndItsForgedPost_WithAValidToken_Gets403()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", """ "maxAttempts": 1 """);
        await using (var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Fail(ErrorKind.Exit, "exit 1"))))
        {
            var failed = await AcceptAsync(gw, "resize", "x");
            await WaitForStatusAsync(gw, failed, "failed");
        }
        var id = (await gw.Store.ListJobsAsync(new Core.Storage.JobQuery("resize"), default)).Items.Single().Id;
        var readKey = await gw.AddKeyAsync("*", "read");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, readKey);

        await page.GotoAsync("/jobs/" + id);

        Assert.Equal("failed", await page.Locator("#status").TextContentAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { Name = "Retry" }).CountAsync());
        Assert.Contains("lacks the 'invoke' scope", await page.Locator("#why-no-action").TextContentAsync(), StringComparison.Ordinal);
        var token = await page.Locator("form.signout input[name=_csrf]").GetAttributeAsync("value");
        var form = page.APIRequest.CreateFormData();
        form.Set("_csrf", token!);
        var forged = await page.APIRequest.PostAsync($"/jobs/{id}/retry", new()
        {
            Headers = new Dictionary<string, string> { ["Origin"] = gw.Address.GetLeftPart(UriPartial.Authority) },
            Form = form,
        });
        Assert.Equal(403, forged.Status);
        Assert.Equal("failed", await StatusAsync(gw, id));
        await Browser.ScreenshotAsync(page, "job-read-key");
    }

    [Fact]
    public async Task ANamespaceKey_MustPickAFunction_AndCannotOpenAnotherNamespacesJob()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("shop-orders");
        await gw.CreateFunctionAsync("billing");
        var theirs = await AcceptAsync(gw, "billing", "x");
        var mine = await AcceptAsync(gw, "shop-orders", "y");
        var shopKey = await gw.AddKeyAsync("shop", "read", "invoke");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, shopKey);

        await page.GotoAsync("/jobs");
        Assert.Contains("choose one of its functions", await page.Locator("#jobs-error").TextContentAsync(), StringComparison.Ordinal);
        Assert.Equal(["shop-orders"], await page.GetByLabel("Function").Locator("option").EvaluateAllAsync<string[]>("o => o.map(x => x.value)"));
        await page.GotoAsync("/jobs?function=shop-orders");
        Assert.Equal([mine], await page.Locator("#jobs tbody tr").EvaluateAllAsync<string[]>("rows => rows.map(r => r.dataset.id)"));

        var other = await page.GotoAsync("/jobs/" + theirs);
        Assert.Equal(403, other!.Status);
        Assert.Equal(403, (await page.GotoAsync("/jobs?function=billing"))!.Status);
        Assert.Equal(400, (await page.APIRequest.GetAsync("/dashboard/jobs")).Status);
    }

    /// <summary>A 2×2 PNG.</summary>
    private static readonly byte[] Png = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAIAAAACCAIAAAD91JpzAAAAEklEQVR4nGP4z8DA0PCfAUIBACFyBP1TVaZ3AAAAAElFTkSuQmCC");

    private static async Task<string> AcceptAsync(TestGateway gw, string function, string payload, string contentType = "text/plain", string? delay = null) =>
        await AcceptAsync(gw, function, Encoding.UTF8.GetBytes(payload), contentType, delay);

    private static async Task<string> AcceptAsync(TestGateway gw, string function, byte[] payload, string contentType, string? delay = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/functions/{function}/jobs") { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        if (delay is not null)
            request.Headers.Add("X-Delay", delay);
        using var response = await gw.Client.SendAsync(request);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await TestGateway.JsonAsync(response)).GetProperty("id").GetString()!;
    }

    private static async Task<string?> StatusAsync(TestGateway gw, string id)
    {
        using var response = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
        return (await TestGateway.JsonAsync(response)).GetProperty("status").GetString();
    }

    private static async Task WaitForStatusAsync(TestGateway gw, string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (await StatusAsync(gw, id) != status && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(status, await StatusAsync(gw, id));
    }
}
