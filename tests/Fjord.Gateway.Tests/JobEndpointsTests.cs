using System.Net;
using System.Text.Json;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Tests;

public sealed class JobEndpointsTests
{
    private static async Task<string> EnqueueAsync(TestGateway gw, string function, string payload = "x")
    {
        using var response = await gw.PostJobAsync(function, payload);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await TestGateway.JsonAsync(response)).GetProperty("id").GetString()!;
    }

    private static async Task<HttpResponseMessage> GetAsync(TestGateway gw, string path) =>
        await gw.Client.GetAsync(new Uri(path, UriKind.Relative));

    private static async Task<HttpResponseMessage> CommandAsync(TestGateway gw, string path) =>
        await gw.Client.PostAsync(new Uri(path, UriKind.Relative), null);

    [Fact]
    public async Task GetJob_ShowsContractFields_AfterSuccess()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var id = await EnqueueAsync(gw, "fn");
        await FakeWorker.SucceedAsync(gw.Store, "fn", _ => "{\"ok\":true}", "application/json");

        using var response = await GetAsync(gw, "/v1/jobs/" + id);
        using var result = await GetAsync(gw, $"/v1/jobs/{id}/result");
        using var logs = await GetAsync(gw, $"/v1/jobs/{id}/logs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var job = await TestGateway.JsonAsync(response);
        Assert.Equal(id, job.GetProperty("id").GetString());
        Assert.Equal("fn", job.GetProperty("function").GetString());
        Assert.Equal("succeeded", job.GetProperty("status").GetString());
        Assert.Equal(1, job.GetProperty("attempt").GetInt32());
        Assert.Equal(5, job.GetProperty("maxAttempts").GetInt32());
        Assert.Equal(JsonValueKind.String, job.GetProperty("createdAt").ValueKind);
        Assert.Equal(JsonValueKind.String, job.GetProperty("startedAt").ValueKind);
        Assert.Equal(JsonValueKind.String, job.GetProperty("finishedAt").ValueKind);
        Assert.Equal(JsonValueKind.Number, job.GetProperty("durationMs").ValueKind);
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.Equal(11, job.GetProperty("resultSize").GetInt64());
        Assert.Equal("application/json", job.GetProperty("resultContentType").GetString());
        Assert.Equal("test-node", job.GetProperty("node").GetString());
        var attempt = Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.Equal(1, attempt.GetProperty("number").GetInt32());
        Assert.Equal("test-node", attempt.GetProperty("node").GetString());
        Assert.False(string.IsNullOrEmpty(attempt.GetProperty("outcome").GetString()));

        Assert.Equal(HttpStatusCode.OK, result.StatusCode);
        Assert.Equal("application/json", result.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"ok\":true}", await result.Content.ReadAsStringAsync());
        Assert.Equal("text/plain", logs.Content.Headers.ContentType?.MediaType);
        Assert.Equal("log of " + id, await logs.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task GetJob_ShowsError_AfterDeadLetter_AndResultIs409()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var id = await EnqueueAsync(gw, "fn");
        await FakeWorker.DeadLetterAsync(gw.Store, "fn", new JobError(ErrorKind.Memory, "killed at 256Mi", 137));

        using var response = await GetAsync(gw, "/v1/jobs/" + id);
        using var result = await GetAsync(gw, $"/v1/jobs/{id}/result");

        var job = await TestGateway.JsonAsync(response);
        Assert.Equal("failed", job.GetProperty("status").GetString());
        var error = job.GetProperty("error");
        Assert.Equal("memory", error.GetProperty("kind").GetString());
        Assert.Equal("killed at 256Mi", error.GetProperty("message").GetString());
        Assert.Equal(137, error.GetProperty("exitCode").GetInt32());
        Assert.Equal(HttpStatusCode.Conflict, result.StatusCode);
        Assert.Contains("failed", (await TestGateway.JsonAsync(result)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetResult_Answers409_BeforeJobEnds()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var id = await EnqueueAsync(gw, "fn");

        using var result = await GetAsync(gw, $"/v1/jobs/{id}/result");

        Assert.Equal(HttpStatusCode.Conflict, result.StatusCode);
        Assert.Equal("https://fjord.dev/problems/not-finished", (await TestGateway.JsonAsync(result)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task GetJob_Answers404ForUnknown_And400ForMalformedId()
    {
        await using var gw = await TestGateway.StartAsync();

        using var unknown = await GetAsync(gw, "/v1/jobs/" + JobId.New());
        using var malformed = await GetAsync(gw, "/v1/jobs/NOT-AN-ID");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
    }

    [Fact]
    public async Task ListJobs_PagesWithCursor_NewestFirst()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        await gw.CreateFunctionAsync("other");
        var posted = new List<string>();
        for (var i = 0; i < 5; i++)
            posted.Add(await EnqueueAsync(gw, "fn", i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await EnqueueAsync(gw, "other");

        var seen = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            using var response = await GetAsync(gw, "/v1/jobs?function=fn&limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var page = await TestGateway.JsonAsync(response);
            var items = page.GetProperty("items").EnumerateArray().ToArray();
            Assert.InRange(items.Length, 1, 2);
            seen.AddRange(items.Select(j => j.GetProperty("id").GetString()!));
            cursor = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
            pages++;
        }
        while (cursor is not null && pages < 10);

        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Reverse(posted), seen);
    }

    [Fact]
    public async Task ListJobs_FiltersByStatus()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var scheduled = await EnqueueAsync(gw, "fn");
        await EnqueueAsync(gw, "fn");
        using (await CommandAsync(gw, $"/v1/jobs/{scheduled}/cancel")) { }

        using var response = await GetAsync(gw, "/v1/jobs?status=canceled");

        var ids = (await TestGateway.JsonAsync(response)).GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()!).ToArray();
        Assert.Equal([scheduled], ids);
    }

    [Fact]
    public async Task ListJobs_FiltersByErrorKind_AndSince()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var canceled = await EnqueueAsync(gw, "fn");
        await EnqueueAsync(gw, "fn");
        using (await CommandAsync(gw, $"/v1/jobs/{canceled}/cancel")) { }

        async Task<string[]> IdsAsync(string query)
        {
            using var response = await GetAsync(gw, "/v1/jobs?" + query);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return [.. (await TestGateway.JsonAsync(response)).GetProperty("items").EnumerateArray().Select(j => j.GetProperty("id").GetString()!)];
        }

        // Nothing has run, so no job has an error; every job was created within the hour, none after an hour from now.
        Assert.Empty(await IdsAsync("errorKind=exit"));
        Assert.Equal(2, (await IdsAsync("function=fn&since=1h")).Length);
        Assert.Empty(await IdsAsync("since=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("o", System.Globalization.CultureInfo.InvariantCulture))));
    }

    [Theory]
    [InlineData("errorKind=Exit")]
    [InlineData("errorKind=oops")]
    [InlineData("since=yesterday")]
    [InlineData("status=done")]
    [InlineData("status=3")]
    [InlineData("limit=0")]
    [InlineData("limit=abc")]
    [InlineData("limit=100000")]
    [InlineData("function=Bad")]
    public async Task ListJobs_Answers400_ForBadQuery(string query)
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await GetAsync(gw, "/v1/jobs?" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Cancel_Answers200ForQueuedJob_Then409()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var id = await EnqueueAsync(gw, "fn");

        using var canceled = await CommandAsync(gw, $"/v1/jobs/{id}/cancel");
        using var again = await CommandAsync(gw, $"/v1/jobs/{id}/cancel");

        Assert.Equal(HttpStatusCode.OK, canceled.StatusCode);
        Assert.Equal("canceled", (await TestGateway.JsonAsync(canceled)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("https://fjord.dev/problems/wrong-state", (await TestGateway.JsonAsync(again)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Retry_Answers409ForQueuedJob_And202ForDeadLetter()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var id = await EnqueueAsync(gw, "fn");

        using var tooEarly = await CommandAsync(gw, $"/v1/jobs/{id}/retry");
        await FakeWorker.DeadLetterAsync(gw.Store, "fn", new JobError(ErrorKind.Exit, "exit 1", 1));
        using var retried = await CommandAsync(gw, $"/v1/jobs/{id}/retry");
        using var unknown = await CommandAsync(gw, $"/v1/jobs/{JobId.New()}/retry");

        Assert.Equal(HttpStatusCode.Conflict, tooEarly.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, retried.StatusCode);
        Assert.Equal("queued", (await TestGateway.JsonAsync(retried)).GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
