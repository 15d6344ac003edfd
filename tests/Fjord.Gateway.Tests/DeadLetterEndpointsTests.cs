using System.Net;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Tests;

public sealed class DeadLetterEndpointsTests
{
    private static async Task<string> DeadLetterAsync(TestGateway gw, string function, ErrorKind kind)
    {
        var id = await Api.AcceptAsync(gw, function);
        await FakeWorker.DeadLetterAsync(gw.Store, function, new JobError(kind, "broke"));
        return id;
    }

    [Fact]
    public async Task RetryMany_ByFunctionAndErrorKind_AnswersCount_AndRequeuesOnlyThose()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        await gw.CreateFunctionAsync("other");
        var timeout1 = await DeadLetterAsync(gw, "fn", ErrorKind.Timeout);
        var timeout2 = await DeadLetterAsync(gw, "fn", ErrorKind.Timeout);
        var exit = await DeadLetterAsync(gw, "fn", ErrorKind.Exit);
        var elsewhere = await DeadLetterAsync(gw, "other", ErrorKind.Timeout);

        using var response = await Api.PostAsync(gw.Client, "/v1/jobs:retry", """{ "function": "fn", "errorKind": "timeout", "since": "1h" }""");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, (await TestGateway.JsonAsync(response)).GetProperty("retried").GetInt64());
        Assert.Equal("queued", (await Api.GetJobAsync(gw, timeout1)).GetProperty("status").GetString());
        Assert.Equal("queued", (await Api.GetJobAsync(gw, timeout2)).GetProperty("status").GetString());
        Assert.Equal("failed", (await Api.GetJobAsync(gw, exit)).GetProperty("status").GetString());
        Assert.Equal("failed", (await Api.GetJobAsync(gw, elsewhere)).GetProperty("status").GetString());
    }

    [Fact]
    public async Task PurgeMany_FromQueryString_DeletesDeadLetters_AndLeavesOthers()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        var dead = await DeadLetterAsync(gw, "fn", ErrorKind.Crash);
        var queued = await Api.AcceptAsync(gw, "fn");

        using var response = await Api.PostAsync(gw.Client, "/v1/jobs:purge?function=fn");
        using var gone = await gw.Client.GetAsync(new Uri("/v1/jobs/" + dead, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, (await TestGateway.JsonAsync(response)).GetProperty("purged").GetInt64());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("queued", (await Api.GetJobAsync(gw, queued)).GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("""{ "errorKind": "nope" }""")]
    [InlineData("""{ "since": "yesterday" }""")]
    [InlineData("""{ "function": "Not_A_Name" }""")]
    [InlineData("""{ "fn": "typo" }""")]
    [InlineData("[1]")]
    public async Task BulkCommands_Answer400_ForBadFilter(string body)
    {
        await using var gw = await TestGateway.StartAsync();

        using var retry = await Api.PostAsync(gw.Client, "/v1/jobs:retry", body);
        using var purge = await Api.PostAsync(gw.Client, "/v1/jobs:purge", body);

        Assert.Equal(HttpStatusCode.BadRequest, retry.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, purge.StatusCode);
    }

    [Fact]
    public async Task BulkCommands_NeedDeployScope_AndANamespaceKeyMustNameItsFunction()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("team-a");
        await DeadLetterAsync(gw, "team-a", ErrorKind.Exit);
        using var invoker = gw.NewClient(await gw.AddKeyAsync("*", "invoke", "read"));
        using var team = gw.NewClient(await gw.AddKeyAsync("team", "deploy"));

        using var noScope = await Api.PostAsync(invoker, "/v1/jobs:purge", "{}");
        using var everything = await Api.PostAsync(team, "/v1/jobs:purge", "{}");
        using var outside = await Api.PostAsync(team, "/v1/jobs:purge", """{ "function": "other" }""");
        using var own = await Api.PostAsync(team, "/v1/jobs:retry", """{ "function": "team-a" }""");

        Assert.Equal(HttpStatusCode.Forbidden, noScope.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, everything.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, outside.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(1, (await TestGateway.JsonAsync(own)).GetProperty("retried").GetInt64());
    }
}
