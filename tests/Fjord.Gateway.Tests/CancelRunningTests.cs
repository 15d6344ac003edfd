using System.Net;

namespace Fjord.Gateway.Tests;

public sealed class CancelRunningTests
{
    [Fact]
    public async Task Cancel_OfRunningJob_Answers200_KillsTheAttempt_AndRecordsCanceled()
    {
        await using var listener = await CallbackListener.StartAsync();
        await using var gw = await TestGateway.StartAsync(o => o with { Callbacks = DeliveryGuaranteesTests.FastCallbacks() });
        await gw.CreateFunctionAsync("long");
        var started = new TaskCompletionSource();
        var killed = new TaskCompletionSource();
        // Renewals minutes apart: the stop must come from the cancel itself.
        await using var worker = await TestWorker.StartAsync(gw, async (_, ct) =>
        {
            started.TrySetResult();
            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            catch (OperationCanceledException)
            {
                killed.TrySetResult();
                throw;
            }
            return TestWorker.Ok("never");
        }, renewInterval: TimeSpan.FromMinutes(5));

        var id = await Api.AcceptAsync(gw, "long", "x", r => r.Headers.Add("X-Callback-Url", listener.Url("/hook").ToString()));
        await started.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal("running", (await Api.GetJobAsync(gw, id)).GetProperty("status").GetString());

        using var cancel = await Api.PostAsync(gw.Client, $"/v1/jobs/{id}/cancel");

        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal("canceled", (await TestGateway.JsonAsync(cancel)).GetProperty("status").GetString());
        await killed.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var job = await Api.GetJobAsync(gw, id);
        Assert.Equal("canceled", job.GetProperty("status").GetString());
        var attempt = Assert.Single(job.GetProperty("attempts").EnumerateArray());
        Assert.Equal("canceled", attempt.GetProperty("outcome").GetString());
        Assert.Equal("canceled", attempt.GetProperty("error").GetProperty("kind").GetString());
        var received = await listener.NextAsync();
        Assert.Equal("canceled", received.Headers["X-Fjord-Status"]);

        using var again = await Api.PostAsync(gw.Client, $"/v1/jobs/{id}/cancel");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
    }

    [Fact]
    public async Task Cancel_OfSucceededJob_Answers409()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("fn");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));
        var id = await Api.AcceptAsync(gw, "fn");
        await Api.WaitForAsync(gw, id, "succeeded");

        using var cancel = await Api.PostAsync(gw.Client, $"/v1/jobs/{id}/cancel");

        Assert.Equal(HttpStatusCode.Conflict, cancel.StatusCode);
        Assert.Equal("succeeded", (await Api.GetJobAsync(gw, id)).GetProperty("status").GetString());
    }
}
