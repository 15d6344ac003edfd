using System.Net;
using Fjord.Gateway.Callbacks;

namespace Fjord.Gateway.Tests;

/// <summary>
/// Callbacks cannot be pointed inside the operator's network (SSRF): refused at intake by default,
/// opened by the allowlist, and checked again on the socket so a name that changes its answer
/// between intake and delivery (DNS rebinding) is refused too. Real listeners on 127.0.0.1.
/// </summary>
public sealed class CallbackSsrfTests
{
    private static Task<TestGateway> StartAsync(CallbackOptions callbacks) => TestGateway.StartAsync(o => o with { Callbacks = callbacks });

    private static CallbackOptions Closed(int maxTries = 1) => DeliveryGuaranteesTests.FastCallbacks(maxTries) with { Allow = CallbackAllowList.None };

    [Theory]
    [InlineData("http://127.0.0.1:9/hook", "loopback")]
    [InlineData("http://127.1.2.3/hook", "loopback")]
    [InlineData("http://2130706433/hook", "loopback")]   // 127.0.0.1 as one number
    [InlineData("http://0x7f.1/hook", "loopback")]       // and in hex, shortened
    [InlineData("http://[::1]:9/hook", "loopback")]
    [InlineData("http://[::ffff:127.0.0.1]:9/hook", "loopback")]
    [InlineData("http://0.0.0.0:9/hook", "unspecified")]
    [InlineData("http://169.254.169.254/latest/meta-data/", "link-local")]
    [InlineData("http://10.1.2.3/hook", "private")]
    [InlineData("http://192.168.1.1/hook", "private")]
    [InlineData("http://172.16.0.1/hook", "private")]
    [InlineData("http://100.64.0.1/hook", "shared (CGNAT)")]
    [InlineData("https://[fd00::1]/hook", "private")]
    [InlineData("http://[fe80::1]/hook", "link-local")]
    [InlineData("http://224.0.0.1/hook", "multicast")]
    public async Task Callback_ToANonPublicAddress_IsRefusedAtIntake_ByDefault(string url, string kind)
    {
        await using var gw = await StartAsync(Closed());
        await gw.CreateFunctionAsync("fn");

        using var single = await gw.PostJobAsync("fn", "x", r => r.Headers.Add("X-Callback-Url", url));
        using var batch = await Api.PostAsync(gw.Client, "/v1/functions/fn/jobs:batch", "[1]");

        Assert.Equal(HttpStatusCode.BadRequest, single.StatusCode);
        Assert.Equal("application/problem+json", single.Content.Headers.ContentType?.MediaType);
        var problem = await TestGateway.JsonAsync(single);
        Assert.Equal("https://fjord.dev/problems/invalid-request", problem.GetProperty("type").GetString());
        Assert.Contains($"a {kind} address", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("--callback-allow", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        // Only the batch without a callback was stored.
        Assert.Equal(HttpStatusCode.Accepted, batch.StatusCode);
        var jobs = await gw.Store.ListJobsAsync(new Core.Storage.JobQuery("fn", Limit: 10), CancellationToken.None);
        Assert.Single(jobs.Items);
    }

    [Fact]
    public async Task Callback_InABatch_ToLoopback_IsRefusedAtIntake()
    {
        await using var gw = await StartAsync(Closed());
        await gw.CreateFunctionAsync("fn");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/functions/fn/jobs:batch") { Content = new StringContent("[1, 2]") };
        request.Headers.Add("X-Callback-Url", "http://127.0.0.1:9/hook");
        using var response = await gw.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Callback_ToLocalhost_IsRefused_UnlessTheNameIsListed_ThenDelivered()
    {
        await using var listener = await CallbackListener.StartAsync();
        var url = $"http://localhost:{listener.Address.Port}/hook";

        await using (var closed = await StartAsync(Closed()))
        {
            await closed.CreateFunctionAsync("fn");
            using var refused = await closed.PostJobAsync("fn", "x", r => r.Headers.Add("X-Callback-Url", url));
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("'localhost' resolves to", (await TestGateway.JsonAsync(refused)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        await using var gw = await StartAsync(Closed() with { Allow = CallbackAllowList.Parse("localhost") });
        await gw.CreateFunctionAsync("fn");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));

        var id = await Api.AcceptAsync(gw, "fn", "x", r => r.Headers.Add("X-Callback-Url", url));
        var received = await listener.NextAsync();

        Assert.Equal(id, received.Headers["X-Fjord-Job-Id"]);
    }

    [Fact]
    public async Task Callback_ToAListedNetwork_IsAccepted_AndDelivered()
    {
        await using var listener = await CallbackListener.StartAsync();
        await using var gw = await StartAsync(Closed() with { Allow = CallbackAllowList.Parse("10.0.0.0/8, 127.0.0.0/8") });
        await gw.CreateFunctionAsync("fn");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));

        var id = await Api.AcceptAsync(gw, "fn", "x", r => r.Headers.Add("X-Callback-Url", listener.Url("/hook").ToString()));
        var received = await listener.NextAsync();

        Assert.Equal(id, received.Headers["X-Fjord-Job-Id"]);
        var job = await Api.WaitForAsync(gw, id, "succeeded", j => j.GetProperty("callbacks").GetArrayLength() == 1);
        Assert.Equal("delivered", job.GetProperty("callbacks")[0].GetProperty("outcome").GetString());
    }

    [Fact]
    public async Task Callback_ToANameThatResolvesToLoopback_IsRefusedAtIntake()
    {
        var callbacks = Closed() with { Resolve = (host, _) => Task.FromResult(host == "hooks.example.com" ? new[] { IPAddress.Parse("93.184.216.34"), IPAddress.Loopback } : []) };
        await using var gw = await StartAsync(callbacks);
        await gw.CreateFunctionAsync("fn");

        using var response = await gw.PostJobAsync("fn", "x", r => r.Headers.Add("X-Callback-Url", "https://hooks.example.com/done"));
        using var unknown = await gw.PostJobAsync("fn", "x", r => r.Headers.Add("X-Callback-Url", "https://nowhere.example.com/done"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("'hooks.example.com' resolves to 127.0.0.1, a loopback address", (await TestGateway.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, unknown.StatusCode);
        Assert.Contains("does not resolve", (await TestGateway.JsonAsync(unknown)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Callback_WhoseNameRebindsToLoopbackAfterIntake_IsRefusedAtConnect_AndTheRecordSaysOnlyFailed()
    {
        await using var listener = await CallbackListener.StartAsync();
        var lookups = 0;
        // DNS rebinding: a public answer while the gateway checks the URL, loopback when it connects.
        var callbacks = Closed() with
        {
            Resolve = (_, _) => Task.FromResult(Interlocked.Increment(ref lookups) == 1 ? new[] { IPAddress.Parse("93.184.216.34") } : new[] { IPAddress.Loopback }),
        };
        await using var gw = await StartAsync(callbacks);
        await gw.CreateFunctionAsync("fn");
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));

        var id = await Api.AcceptAsync(gw, "fn", "x", r => r.Headers.Add("X-Callback-Url", $"http://rebind.example.com:{listener.Address.Port}/hook"));
        var job = await Api.WaitForAsync(gw, id, "succeeded", j => j.GetProperty("callbacks").GetArrayLength() == 1);

        Assert.True(lookups >= 2, "the connect check did not resolve the name itself");
        var delivery = job.GetProperty("callbacks")[0];
        Assert.Equal("failed", delivery.GetProperty("outcome").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, delivery.GetProperty("statusCode").ValueKind);
        Assert.Equal("no answer", delivery.GetProperty("error").GetString());
        Assert.False(listener.Requests.Reader.TryRead(out _), "the callback reached the loopback listener");
    }

    [Fact]
    public async Task Callback_StoredUnderAWiderAllowlist_IsRefusedAtConnect()
    {
        await using var listener = await CallbackListener.StartAsync();
        await using var gw = await StartAsync(Closed());
        await gw.CreateFunctionAsync("fn");
        // A job accepted before the operator narrowed --callback-allow: the URL is already stored.
        var id = Core.Jobs.JobId.New();
        await gw.Store.EnqueueAsync(
            [new Core.Jobs.NewJob
            {
                Id = id,
                Function = "fn",
                Payload = "x"u8.ToArray(),
                ContentType = "text/plain",
                MaxAttempts = 1,
                CreatedAt = DateTimeOffset.UtcNow,
                CallbackUrl = listener.Url("/hook").ToString(),
            }],
            CancellationToken.None);
        await using var worker = await TestWorker.StartAsync(gw, (_, _) => Task.FromResult(TestWorker.Ok("r")));

        var job = await Api.WaitForAsync(gw, id, "succeeded", j => j.GetProperty("callbacks").GetArrayLength() == 1);

        Assert.Equal("failed", job.GetProperty("callbacks")[0].GetProperty("outcome").GetString());
        Assert.False(listener.Requests.Reader.TryRead(out _), "the callback reached the loopback listener");
    }
}
