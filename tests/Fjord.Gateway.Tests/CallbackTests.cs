using System.Text.Json;
using Fjord.Core.Jobs;

namespace Fjord.Gateway.Tests;

public sealed class CallbackTests
{
    private static Action<HttpRequestMessage> To(CallbackListener listener) =>
        r => r.Headers.Add("X-Callback-Url", listener.Url("/hook").ToString());

    [Fact]
    public async Task Callback_IsRetriedWithBackoff_UntilDelivered_AndEveryTryIsRecorded()
    {
        await using var listener = await CallbackListener.StartAsync(500, 503);
        await using var gw = await TestGateway.StartAsync(o => o with { Callbacks = DeliveryGuaranteesTests.FastCallbacks() });
        await gw.CreateFunctionAsync("hook");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));

        var id = await Api.AcceptAsync(gw, "hook", "x", To(listener));
        var first = await listener.NextAsync();
        var second = await listener.NextAsync();
        var third = await listener.NextAsync();

        Assert.All([first, second, third], r => Assert.Equal(id, r.Headers["X-Fjord-Job-Id"]));
        // Backoff: never sooner than half the 100 ms initial wait.
        Assert.True(second.At - first.At >= TimeSpan.FromMilliseconds(40));
        var job = await Api.WaitForAsync(gw, id, "succeeded", j => j.GetProperty("callbacks").GetArrayLength() == 3);
        var tries = job.GetProperty("callbacks").EnumerateArray().ToList();
        Assert.Equal([500, 503, 200], tries.Select(t => t.GetProperty("statusCode").GetInt32()));
        Assert.Equal([1, 2, 3], tries.Select(t => t.GetProperty("number").GetInt32()));
        Assert.Equal("HTTP 500", tries[0].GetProperty("error").GetString());
        Assert.Equal(["failed", "failed", "delivered"], tries.Select(t => t.GetProperty("outcome").GetString()));
        await Task.Delay(400);
        Assert.False(listener.Requests.Reader.TryRead(out _), "a delivered callback was sent again");
    }

    [Fact]
    public async Task Callback_OfFailedJob_IsProblemJsonWithTheError()
    {
        await using var listener = await CallbackListener.StartAsync();
        await using var gw = await TestGateway.StartAsync(o => o with { Callbacks = DeliveryGuaranteesTests.FastCallbacks() });
        await gw.CreateFunctionAsync("bad", "\"maxAttempts\": 1");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Fail(ErrorKind.Exit, "exit 3")));

        var id = await Api.AcceptAsync(gw, "bad", "x", To(listener));
        var received = await listener.NextAsync();

        Assert.Equal("failed", received.Headers["X-Fjord-Status"]);
        Assert.Equal("1", received.Headers["X-Fjord-Attempt"]);
        Assert.StartsWith("application/problem+json", received.ContentType, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(received.Body);
        Assert.Equal("exit", body.RootElement.GetProperty("kind").GetString());
        Assert.Equal("exit 3", body.RootElement.GetProperty("message").GetString());
        Assert.Equal(id, body.RootElement.GetProperty("jobId").GetString());
    }

    [Fact]
    public async Task Callback_IsGivenUp_AfterMaxTries()
    {
        await using var listener = await CallbackListener.StartAsync(500, 500, 500, 500);
        await using var gw = await TestGateway.StartAsync(o => o with { Callbacks = DeliveryGuaranteesTests.FastCallbacks(maxTries: 2) });
        await gw.CreateFunctionAsync("hook");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));

        var id = await Api.AcceptAsync(gw, "hook", "x", To(listener));
        await listener.NextAsync();
        await listener.NextAsync();

        await Api.WaitForAsync(gw, id, "succeeded", j => j.GetProperty("callbacks").GetArrayLength() == 2);
        await Task.Delay(600);
        Assert.False(listener.Requests.Reader.TryRead(out _), "a third try was made");
    }

    [Fact]
    public async Task Callback_ToAPortNobodyListensOn_RecordsNoAnswer_NotTheSocketError()
    {
        string url;
        await using (var gone = await CallbackListener.StartAsync())
            url = gone.Url("/hook").ToString();
        await using var gw = await TestGateway.StartAsync(o => o with { Callbacks = DeliveryGuaranteesTests.FastCallbacks(maxTries: 1) });
        await gw.CreateFunctionAsync("hook");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));

        var id = await Api.AcceptAsync(gw, "hook", "x", r => r.Headers.Add("X-Callback-Url", url));
        var job = await Api.WaitForAsync(gw, id, "succeeded", j => j.GetProperty("callbacks").GetArrayLength() == 1);

        var delivery = job.GetProperty("callbacks")[0];
        Assert.Equal(JsonValueKind.Null, delivery.GetProperty("statusCode").ValueKind);
        Assert.Equal("failed", delivery.GetProperty("outcome").GetString());
        // "Connection refused (127.0.0.1:port)" would tell the caller what listens inside the network.
        Assert.Equal("no answer", delivery.GetProperty("error").GetString());
    }
}
