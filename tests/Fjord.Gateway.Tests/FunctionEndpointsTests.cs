using System.Net;

namespace Fjord.Gateway.Tests;

public sealed class FunctionEndpointsTests
{
    [Fact]
    public async Task PutFunction_Answers201ThenUpdated200_WithStoredSpec()
    {
        await using var gw = await TestGateway.StartAsync();

        using var created = await gw.PutFunctionAsync("hello", """{ "runtime": "python", "handler": "handler.py", "concurrency": 4, "env": { "GREETING": "hej" } }""");
        using var updated = await gw.PutFunctionAsync("hello", """{ "runtime": "python", "handler": "handler.py", "concurrency": 2 }""");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var body = await TestGateway.JsonAsync(created);
        Assert.Equal("hello", body.GetProperty("name").GetString());
        Assert.False(body.GetProperty("paused").GetBoolean());
        var spec = body.GetProperty("spec");
        Assert.Equal("python", spec.GetProperty("runtime").GetString());
        Assert.Equal("warm", spec.GetProperty("mode").GetString());
        Assert.Equal(4, spec.GetProperty("concurrency").GetInt32());
        Assert.Equal("1m", spec.GetProperty("timeout").GetString());
        Assert.Equal("hej", spec.GetProperty("env").GetProperty("GREETING").GetString());
        Assert.Equal(2, (await TestGateway.JsonAsync(updated)).GetProperty("spec").GetProperty("concurrency").GetInt32());
    }

    [Fact]
    public async Task PutFunction_Answers400ListingEveryError_ForInvalidSpec()
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.PutFunctionAsync("bad", """{ "runtime": "cobol", "concurrency": 0, "timeout": "soon" }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await TestGateway.JsonAsync(response);
        Assert.Equal("https://fjord.dev/problems/invalid-spec", problem.GetProperty("type").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.True(errors.Length >= 3, string.Join(" | ", errors));
        Assert.Contains(errors, e => e.Contains("runtime", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("concurrency", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains("timeout", StringComparison.Ordinal));
        Assert.Null(await gw.Store.GetFunctionAsync("bad", CancellationToken.None));
    }

    [Theory]
    [InlineData("""{ "runtime": "exec", "command": ["/bin/cat"], "maxAttempt": 3 }""")]
    [InlineData("""{ "runtime": "exec", "command": ["/bin/cat"], "concurrency": "four" }""")]
    [InlineData("not json")]
    [InlineData("[]")]
    public async Task PutFunction_Answers400_ForMalformedDocument(string json)
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.PutFunctionAsync("fn", json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Theory]
    [InlineData("Upper")]
    [InlineData("has.dot")]
    [InlineData("%2e%2e")]
    [InlineData("a%2Fb")]
    public async Task PutFunction_Answers400_ForBadName(string name)
    {
        await using var gw = await TestGateway.StartAsync();

        var status = await RawHttp.StatusAsync(gw.Address, "PUT", "/v1/functions/" + name, gw.AdminKey, """{ "runtime": "exec", "command": ["/bin/cat"] }""");

        Assert.Equal(400, status);
        Assert.Empty(await gw.Store.ListFunctionsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task GetFunction_ShowsSpecAndLiveState_And404WhenUnknown()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");

        using var found = await gw.Client.GetAsync(new Uri("/v1/functions/fn", UriKind.Relative));
        using var missing = await gw.Client.GetAsync(new Uri("/v1/functions/other", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, found.StatusCode);
        var body = await TestGateway.JsonAsync(found);
        Assert.Equal("exec", body.GetProperty("spec").GetProperty("runtime").GetString());
        Assert.Equal(0, body.GetProperty("workers").GetInt32());
        Assert.True(body.GetProperty("healthy").GetBoolean());
        Assert.True(body.TryGetProperty("updatedAt", out _));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }

    [Fact]
    public async Task DeleteFunction_Answers204_ThenIntakeAnswers404AtOnce()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("gone");
        using var warm = await gw.PostJobAsync("gone", "x");

        using var deleted = await gw.Client.DeleteAsync(new Uri("/v1/functions/gone", UriKind.Relative));
        using var again = await gw.Client.DeleteAsync(new Uri("/v1/functions/gone", UriKind.Relative));
        using var post = await gw.PostJobAsync("gone", "x");

        Assert.Equal(HttpStatusCode.Accepted, warm.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, post.StatusCode);
    }

    [Fact]
    public async Task PauseAndResume_FlipPaused_AndIntakeKeepsAccepting()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");

        using var paused = await gw.Client.PostAsync(new Uri("/v1/functions/fn/pause", UriKind.Relative), null);
        using var post = await gw.PostJobAsync("fn", "x");
        var stored = await gw.Store.GetFunctionAsync("fn", CancellationToken.None);
        using var resumed = await gw.Client.PostAsync(new Uri("/v1/functions/fn/resume", UriKind.Relative), null);
        using var unknown = await gw.Client.PostAsync(new Uri("/v1/functions/nope/pause", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.True((await TestGateway.JsonAsync(paused)).GetProperty("paused").GetBoolean());
        Assert.True(stored?.Paused);
        Assert.Equal(HttpStatusCode.Accepted, post.StatusCode);
        Assert.False((await TestGateway.JsonAsync(resumed)).GetProperty("paused").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }
}
