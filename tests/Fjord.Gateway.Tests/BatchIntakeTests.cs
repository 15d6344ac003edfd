using System.Net;
using System.Text;

namespace Fjord.Gateway.Tests;

public sealed class BatchIntakeTests
{
    private static async Task<HttpResponseMessage> PostBatchAsync(TestGateway gw, string function, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        return await gw.Client.PostAsync(new Uri($"/v1/functions/{function}/jobs:batch", UriKind.Relative), content);
    }

    [Fact]
    public async Task PostBatch_StoresEachElementAsRawJson()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("many");

        using var response = await PostBatchAsync(gw, "many", """[ {"a": [1, 2]}, "text", 3 ]""");

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var ids = (await TestGateway.JsonAsync(response)).GetProperty("ids").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.Equal(3, ids.Length);
        var payloads = new List<string>();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        for (var i = 0; i < 3; i++)
        {
            await using var lease = await gw.Store.FetchAsync("many", "n", cts.Token);
            Assert.Contains(lease.Job.Id, ids);
            Assert.Equal("application/json", lease.Job.ContentType);
            payloads.Add(Encoding.UTF8.GetString(lease.Job.Payload));
            await lease.AckAsync(Core.Jobs.AttemptOutcome.Success([], "text/plain", "", DateTimeOffset.UtcNow), cts.Token);
        }
        Assert.Equal(["\"text\"", "3", """{"a": [1, 2]}"""], payloads.Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task PostBatch_StoresNothing_WhenBatchExceedsRemainingDepth()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("small", "\"maxQueueDepth\": 3");
        using var one = await gw.PostJobAsync("small", "first");

        using var response = await PostBatchAsync(gw, "small", "[1, 2, 3]");

        Assert.Equal(HttpStatusCode.Accepted, one.StatusCode);
        Assert.Equal((HttpStatusCode)429, response.StatusCode);
        Assert.NotNull(response.Headers.RetryAfter);
        var queue = (await gw.Store.GetQueuesAsync(CancellationToken.None)).Single(q => q.Name == "small");
        Assert.Equal(1, queue.Ready);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("[1, 2")]
    [InlineData("[]")]
    [InlineData("[1] [2]")]
    public async Task PostBatch_Answers400_ForBodyThatIsNotOneArray(string body)
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");

        using var response = await PostBatchAsync(gw, "fn", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task PostBatch_Answers413_WhenTooManyPayloads()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { MaxBatchCount = 5 });
        await gw.CreateFunctionAsync("fn");

        using var response = await PostBatchAsync(gw, "fn", "[1,2,3,4,5,6]");

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, (await gw.Store.GetQueuesAsync(CancellationToken.None)).Sum(q => q.Ready));
    }
}
