using System.Net;
using System.Text;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Tests;

public sealed class JobIntakeTests
{
    [Fact]
    public async Task PostJob_Answers202WithLocation_AndJobSurvivesReopen()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("hello");

        using var response = await gw.PostJobAsync("hello", "payload-1");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await TestGateway.JsonAsync(response);
        var id = body.GetProperty("id").GetString()!;
        Assert.True(JobId.IsValid(id));
        Assert.Equal("queued", body.GetProperty("status").GetString());
        Assert.Equal("hello", body.GetProperty("function").GetString());
        Assert.Equal("/v1/jobs/" + id, response.Headers.Location?.OriginalString);

        var store = await gw.StopAndReopenStoreAsync();
        var job = await store.GetJobAsync(id, CancellationToken.None);
        Assert.NotNull(job);
        Assert.Equal(JobStatus.Queued, job.Status);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await using var lease = await store.FetchAsync("hello", "n", cts.Token);
        Assert.Equal("payload-1", Encoding.UTF8.GetString(lease.Job.Payload));
        Assert.Equal("text/plain; charset=utf-8", lease.Job.ContentType);
        Assert.Equal(5, lease.Job.MaxAttempts);
    }

    [Fact]
    public async Task PostJob_Answers404Problem_ForUnknownFunction()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.PostJobAsync("nope", "x");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("https://fjord.dev/problems/unknown-function", (await TestGateway.JsonAsync(response)).GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("Hello")]
    [InlineData("a_b")]
    [InlineData("-a")]
    [InlineData("a.b")]
    [InlineData("a%2Fb")]
    [InlineData("%41")]
    public async Task PostJob_Answers400_ForInvalidName(string name)
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("a");

        var status = await RawHttp.StatusAsync(gw.Address, "POST", $"/v1/functions/{name}/jobs", gw.AdminKey);

        Assert.Equal(400, status);
        Assert.DoesNotContain(await gw.Store.GetQueuesAsync(CancellationToken.None), q => q.Ready > 0);
    }

    [Theory]
    [InlineData("/v1/functions/../jobs")]
    [InlineData("/v1/functions/%2e%2e/jobs")]
    [InlineData("/v1/functions/%2E%2e/a/jobs")]
    [InlineData("/v1/functions/./a/jobs")]
    [InlineData("/v1/functions/a/jobs/..")]
    public async Task PostJob_Answers400_ForDotSegmentTricks(string target)
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("a");

        var status = await RawHttp.StatusAsync(gw.Address, "POST", target, gw.AdminKey);

        Assert.Equal(400, status);
        Assert.DoesNotContain(await gw.Store.GetQueuesAsync(CancellationToken.None), q => q.Ready > 0);
    }

    [Fact]
    public async Task PostJob_Answers413_WhenPayloadTooLarge()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxBodyBytes = 1024 });
        await gw.CreateFunctionAsync("big");

        using var tooBig = await gw.PostJobAsync("big", new string('x', 1025));
        using var fits = await gw.PostJobAsync("big", new string('x', 1024));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, tooBig.StatusCode);
        Assert.Equal("https://fjord.dev/problems/too-large", (await TestGateway.JsonAsync(tooBig)).GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Accepted, fits.StatusCode);
    }

    [Fact]
    public async Task PostJob_Answers413_WhenChunkedPayloadTooLarge()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxBodyBytes = 1024 });
        await gw.CreateFunctionAsync("big");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/functions/big/jobs")
        {
            Content = new StreamContent(new MemoryStream(new byte[4096])),
        };
        request.Headers.TransferEncodingChunked = true;

        using var response = await gw.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await gw.Store.GetQueuesAsync(CancellationToken.None)).Sum(q => q.Ready));
    }

    [Fact]
    public async Task PostJob_Answers429WithRetryAfter_WhenQueueFull()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("small", "\"maxQueueDepth\": 2");

        using var first = await gw.PostJobAsync("small", "1");
        using var second = await gw.PostJobAsync("small", "2");
        using var third = await gw.PostJobAsync("small", "3");

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, second.StatusCode);
        Assert.Equal((HttpStatusCode)429, third.StatusCode);
        Assert.NotNull(third.Headers.RetryAfter?.Delta);
        Assert.True(third.Headers.RetryAfter.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("https://fjord.dev/problems/queue-full", (await TestGateway.JsonAsync(third)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task PostJob_Answers200WithSameId_ForRepeatedIdempotencyKey()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("once");

        using var first = await gw.PostJobAsync("once", "a", r => r.Headers.Add("Idempotency-Key", "order-42"));
        using var again = await gw.PostJobAsync("once", "a", r => r.Headers.Add("Idempotency-Key", "order-42"));
        using var other = await gw.PostJobAsync("once", "a", r => r.Headers.Add("Idempotency-Key", "order-43"));

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(HttpStatusCode.Accepted, other.StatusCode);
        var id = (await TestGateway.JsonAsync(first)).GetProperty("id").GetString();
        Assert.Equal(id, (await TestGateway.JsonAsync(again)).GetProperty("id").GetString());
        Assert.NotEqual(id, (await TestGateway.JsonAsync(other)).GetProperty("id").GetString());
    }

    [Fact]
    public async Task PostJob_AnswersScheduled_WithDelay()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("later");
        var before = DateTimeOffset.UtcNow;

        using var response = await gw.PostJobAsync("later", "x", r => r.Headers.Add("X-Delay", "5m"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = await TestGateway.JsonAsync(response);
        Assert.Equal("scheduled", body.GetProperty("status").GetString());
        var job = await gw.Store.GetJobAsync(body.GetProperty("id").GetString()!, CancellationToken.None);
        Assert.NotNull(job?.RunAt);
        Assert.InRange(job.RunAt.Value, before.AddMinutes(4), before.AddMinutes(6));
        Assert.Equal(JobStatus.Scheduled, job.Status);
    }

    [Fact]
    public async Task PostJob_AnswersScheduled_WithRunAt()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("later");

        using var response = await gw.PostJobAsync("later", "x", r => r.Headers.Add("X-Run-At", "2099-01-01T00:00:00Z"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal("scheduled", (await TestGateway.JsonAsync(response)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("X-Delay", "soon")]
    [InlineData("X-Run-At", "tomorrow")]
    [InlineData("X-Callback-Url", "/relative")]
    [InlineData("X-Callback-Url", "ftp://example.com/x")]
    public async Task PostJob_Answers400_ForBadHeader(string header, string value)
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");

        using var response = await gw.PostJobAsync("fn", "x", r => r.Headers.TryAddWithoutValidation(header, value));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PostJob_StoresCallbackUrl()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { Callbacks = DeliveryGuaranteesTests.FastCallbacks() });
        await gw.CreateFunctionAsync("fn");

        using var response = await gw.PostJobAsync("fn", "x", r => r.Headers.Add("X-Callback-Url", "http://127.0.0.1:9/done"));

        var job = await gw.Store.GetJobAsync((await TestGateway.JsonAsync(response)).GetProperty("id").GetString()!, CancellationToken.None);
        Assert.Equal("http://127.0.0.1:9/done", job?.CallbackUrl);
    }
}
