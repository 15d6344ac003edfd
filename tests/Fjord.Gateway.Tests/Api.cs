using System.Net;
using System.Text;
using System.Text.Json;

namespace Fjord.Gateway.Tests;

/// <summary>Small calls through the public HTTP API, shared by the delivery tests.</summary>
internal static class Api
{
    public const string Flaky = """ "maxAttempts": 3, "backoff": { "initial": "50ms", "max": "100ms" } """;

    public static async Task<string> AcceptAsync(TestGateway gw, string function, string payload = "x", Action<HttpRequestMessage>? configure = null)
    {
        using var response = await gw.PostJobAsync(function, payload, configure);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return (await TestGateway.JsonAsync(response)).GetProperty("id").GetString()!;
    }

    public static async Task<JsonElement> GetJobAsync(TestGateway gw, string id)
    {
        using var response = await gw.Client.GetAsync(new Uri("/v1/jobs/" + id, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await TestGateway.JsonAsync(response);
    }

    /// <summary>Polls <c>GET /v1/jobs/{id}</c> until the job reaches <paramref name="status"/> (or any end when null).</summary>
    public static async Task<JsonElement> WaitForAsync(TestGateway gw, string id, string? status = null, Func<JsonElement, bool>? until = null)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            var job = await GetJobAsync(gw, id);
            var now = job.GetProperty("status").GetString();
            var reached = status is null ? now is "succeeded" or "failed" or "canceled" : now == status;
            if (reached && (until is null || until(job)))
                return job;
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"job {id} is {now}, expected {status ?? "an end"}: {job}");
            await Task.Delay(50);
        }
    }

    public static async Task<HttpResponseMessage> PostAsync(HttpClient client, string path, string? json = null)
    {
        using var content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json");
        return await client.PostAsync(new Uri(path, UriKind.Relative), content);
    }
}
