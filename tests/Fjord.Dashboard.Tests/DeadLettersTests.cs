using Fjord.Core.Jobs;
using Fjord.Gateway.Tests;
using Microsoft.Playwright;

namespace Fjord.Dashboard.Tests;

[Collection(BrowserCollection.Name)]
public sealed class DeadLettersTests(Browser browser)
{
    [Fact]
    public async Task OpenADeadLetterGroup_AndRetryIt_ThenTheJobsSucceed()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", "\"maxAttempts\": 1");
        var fixedNow = false;
        await using var worker = await TestWorker.StartAsync(gw, (_, _) =>
            Task.FromResult(Volatile.Read(ref fixedNow) ? TestWorker.Ok("ok") : TestWorker.Fail(ErrorKind.Exit, "boom")));
        var ids = await DeadLettersAsync(gw, "resize", 3);
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);

        await page.GetByRole(AriaRole.Link, new() { Name = "Dead letters" }).ClickAsync();
        var group = page.Locator("#dead-letter-groups tbody tr[data-function=resize][data-kind=exit]");
        Assert.Equal("3", await group.Locator("a.count").TextContentAsync());
        Assert.Equal("/jobs?function=resize&status=failed&errorKind=exit", await group.Locator("a.count").GetAttributeAsync("href"));
        await Browser.ScreenshotAsync(page, "dead-letters");
        await page.GetByRole(AriaRole.Link, new() { Name = "Retry resize exit" }).ClickAsync();

        Assert.Contains("Retry 3 jobs", await page.Locator("#confirm-count").TextContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "dead-letters-confirm-retry");
        Volatile.Write(ref fixedNow, true);
        await page.GetByRole(AriaRole.Button, new() { Name = "Retry 3 jobs" }).ClickAsync();

        Assert.Equal("Retried 3 jobs.", await page.Locator("#outcome").TextContentAsync());
        foreach (var id in ids)
            Assert.Equal("succeeded", await WaitForStatusAsync(gw, id, "succeeded"));
        await page.ReloadAsync();
        Assert.True(await page.Locator("#no-dead-letters").IsVisibleAsync());
    }

    [Fact]
    public async Task PurgeByFilter_ConfirmsHowManyJobs_AndDeletesOnlyThose()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", "\"maxAttempts\": 1");
        var kind = (int)ErrorKind.Exit;
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Fail((ErrorKind)Volatile.Read(ref kind), "boom")));
        var exits = await DeadLettersAsync(gw, "resize", 2);
        Volatile.Write(ref kind, (int)ErrorKind.Timeout);
        var timeout = Assert.Single(await DeadLettersAsync(gw, "resize", 1));
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, gw.AdminKey);
        await page.GotoAsync("/dead-letters");

        await page.GetByLabel("Function").SelectOptionAsync("resize");
        await page.GetByLabel("Error kind").SelectOptionAsync("exit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Review purge…" }).ClickAsync();

        Assert.Contains("Purge 2 jobs", await page.Locator("#confirm-count").TextContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Purge 2 jobs" }).ClickAsync();
        Assert.Equal("Purged 2 jobs.", await page.Locator("#outcome").TextContentAsync());
        foreach (var id in exits)
        {
            using var gone = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
            Assert.Equal(System.Net.HttpStatusCode.NotFound, gone.StatusCode);
        }
        Assert.Equal("failed", await Session.JobStatusAsync(gw, timeout));
        Assert.Equal(0, await page.Locator("#dead-letter-groups tr[data-kind=exit]").CountAsync());
        Assert.Equal("1", await page.Locator("#dead-letter-groups tr[data-kind=timeout] a.count").TextContentAsync());
    }

    [Fact]
    public async Task AReadKey_SeesNoRetryOrPurge_AndItsForgedRetryPost_WithAValidToken_Gets403()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("resize", "\"maxAttempts\": 1");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Fail(ErrorKind.Exit, "boom")));
        var id = Assert.Single(await DeadLettersAsync(gw, "resize", 1));
        var readKey = await gw.AddKeyAsync("*", "read");
        var page = await Session.NewPageAsync(browser, gw);
        await Session.SignInAsync(page, readKey);

        await page.GotoAsync("/dead-letters");

        Assert.Equal("1", await page.Locator("#dead-letter-groups a.count").TextContentAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Retry resize exit" }).CountAsync());
        Assert.Equal(0, await page.GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("Retry|Purge") }).CountAsync());
        Assert.Contains("lacks the 'deploy' scope", await page.Locator("#why-no-actions").TextContentAsync(), StringComparison.Ordinal);
        await Browser.ScreenshotAsync(page, "dead-letters-read-key");
        var forged = await Session.ForgedPostAsync(page, gw, "/dead-letters/retry", new Dictionary<string, string> { ["function"] = "resize" });

        Assert.Equal(403, forged.Status);
        Assert.Equal("failed", await Session.JobStatusAsync(gw, id));
        var confirm = await page.GotoAsync("/dead-letters/confirm?action=retry&function=resize");
        Assert.Equal(403, confirm!.Status);
    }

    /// <summary>Posts <paramref name="count"/> jobs and waits until the worker has dead-lettered each.</summary>
    internal static async Task<List<string>> DeadLettersAsync(TestGateway gw, string function, int count)
    {
        var ids = new List<string>();
        for (var i = 0; i < count; i++)
        {
            using var accepted = await gw.PostJobAsync(function, "job " + i);
            ids.Add((await TestGateway.JsonAsync(accepted)).GetProperty("id").GetString()!);
        }
        foreach (var id in ids)
            Assert.Equal("failed", await WaitForStatusAsync(gw, id, "failed"));
        return ids;
    }

    internal static async Task<string?> WaitForStatusAsync(TestGateway gw, string id, string status)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        string? now;
        while ((now = await Session.JobStatusAsync(gw, id)) != status && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        return now;
    }
}
