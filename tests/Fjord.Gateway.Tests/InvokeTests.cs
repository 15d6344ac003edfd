using System.Net;
using System.Text;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Tests;

public sealed class InvokeTests
{
    private static Task<HttpResponseMessage> InvokeAsync(TestGateway gw, string function, string payload)
    {
        var content = new StringContent(payload, Encoding.UTF8, "text/plain");
        return gw.Client.PostAsync(new Uri($"/v1/functions/{function}/invoke", UriKind.Relative), content);
    }

    [Fact]
    public async Task Invoke_Answers200WithResult_WhenJobSucceeds()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("echo", "\"maxAttempts\": 4");

        var call = InvokeAsync(gw, "echo", "ping");
        var job = await FakeWorker.SucceedAsync(gw.Store, "echo", j => "pong:" + Encoding.UTF8.GetString(j.Payload), "text/x-pong");
        using var response = await call;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("pong:ping", await response.Content.ReadAsStringAsync());
        Assert.Equal("text/x-pong", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(job.Id, response.Headers.GetValues("X-Fjord-Job-Id").Single());
        Assert.True(job.Sync);
        Assert.Equal(1, job.MaxAttempts);
    }

    [Fact]
    public async Task Invoke_Answers502WithErrorDetails_WhenJobFails()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("broken");

        var call = InvokeAsync(gw, "broken", "x");
        var job = await FakeWorker.DeadLetterAsync(gw.Store, "broken", new JobError(ErrorKind.Exit, "exit status 3", 3));
        using var response = await call;

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await TestGateway.JsonAsync(response);
        Assert.Equal("exit", problem.GetProperty("kind").GetString());
        Assert.Equal("exit status 3", problem.GetProperty("message").GetString());
        Assert.Equal(3, problem.GetProperty("exitCode").GetInt32());
        Assert.Equal(job.Id, problem.GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task Invoke_Answers504_WhenFunctionTimedOut()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("slow");

        var call = InvokeAsync(gw, "slow", "x");
        await FakeWorker.DeadLetterAsync(gw.Store, "slow", new JobError(ErrorKind.Timeout, "ran past 60s"));
        using var response = await call;

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("timeout", (await TestGateway.JsonAsync(response)).GetProperty("kind").GetString());
    }

    [Fact]
    public async Task Invoke_Answers504AndCancelsJob_WhenNoResultBeforeDeadline()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("nobody", "\"timeout\": \"1s\"");

        using var response = await InvokeAsync(gw, "nobody", "x");

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        var problem = await TestGateway.JsonAsync(response);
        Assert.Equal("https://fjord.dev/problems/timeout", problem.GetProperty("type").GetString());
        var job = await gw.Store.GetJobAsync(problem.GetProperty("jobId").GetString()!, CancellationToken.None);
        Assert.Equal(JobStatus.Canceled, job?.Status);
    }

    [Fact]
    public async Task Invoke_Answers404_ForUnknownFunction()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await InvokeAsync(gw, "ghost", "x");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }
}
