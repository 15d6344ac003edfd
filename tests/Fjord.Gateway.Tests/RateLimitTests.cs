using System.Net;
using Fjord.Core.Storage;

namespace Fjord.Gateway.Tests;

/// <summary>Per-key token buckets: 429 problem+json with Retry-After, counted, and nothing over the limit stored.</summary>
public sealed class RateLimitTests
{
    [Fact]
    public async Task OverTheKeysLimit_Answers429_Counted_AndNothingOverTheLimitIsStored()
    {
        await using var gw = await TestGateway.StartAsync();
        await gw.CreateFunctionAsync("shop-orders");
        var (id, secret) = await KeyEndpointsTests.CreateKeyAsync(gw, """{"name":"web","scopes":["invoke"],"namespace":"shop","rateLimit":{"perSecond":1,"burst":3}}""");
        using var web = gw.NewClient(secret);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 12; i++)
        {
            var response = await gw.PostJobAsync("shop-orders", "x" + i, client: web);
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests && limited is null)
                limited = response;
            else
                response.Dispose();
        }

        var accepted = statuses.Count(s => s == HttpStatusCode.Accepted);
        var refused = statuses.Count(s => s == HttpStatusCode.TooManyRequests);
        Assert.Equal(12, accepted + refused);
        // A burst of 3, and at most one more token if a second went by during the loop.
        Assert.InRange(accepted, 3, 4);
        Assert.NotNull(limited);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        var problem = await TestGateway.JsonAsync(limited);
        Assert.Equal("https://fjord.dev/problems/rate-limited", problem.GetProperty("type").GetString());
        limited.Dispose();

        var stored = await gw.Store.ListJobsAsync(new JobQuery(Function: "shop-orders", Limit: 100), default);
        Assert.Equal(accepted, stored.Items.Count);

        using var metrics = await gw.Client.GetAsync(new Uri("/metrics", UriKind.Relative));
        var text = await metrics.Content.ReadAsStringAsync();
        Assert.Contains($"fjord_key_rate_limited_total{{key=\"{id}\"}} {refused}", text, StringComparison.Ordinal);

        // The admin key has no limit and no node default applies: it is not slowed by the web key.
        using var admin = await gw.PostJobAsync("shop-orders", "admin");
        Assert.Equal(HttpStatusCode.Accepted, admin.StatusCode);
    }

    [Fact]
    public async Task TheNodeDefault_LimitsKeysWithoutTheirOwn_AndAKeysOwnLimitWins()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { DefaultKeyRateLimit = new KeyRateLimit(1, 2) });
        var plain = gw.NewClient(await gw.AddKeyAsync("*", "read"));
        var (_, ownSecret) = await KeyEndpointsTests.CreateKeyAsync(gw, """{"name":"own","scopes":["read"],"rateLimit":{"perSecond":1000,"burst":1000}}""");
        var own = gw.NewClient(ownSecret);

        var plainStatuses = new List<HttpStatusCode>();
        var ownStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using (var r = await plain.GetAsync(new Uri("/v1/functions", UriKind.Relative)))
                plainStatuses.Add(r.StatusCode);
            using (var r = await own.GetAsync(new Uri("/v1/functions", UriKind.Relative)))
                ownStatuses.Add(r.StatusCode);
        }

        Assert.InRange(plainStatuses.Count(s => s == HttpStatusCode.OK), 2, 3);
        Assert.Contains(HttpStatusCode.TooManyRequests, plainStatuses);
        Assert.All(ownStatuses, s => Assert.Equal(HttpStatusCode.OK, s));
        plain.Dispose();
        own.Dispose();
    }
}
