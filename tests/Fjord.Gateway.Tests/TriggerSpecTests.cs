using System.Net;

namespace Fjord.Gateway.Tests;

/// <summary>Queue triggers at deploy: a bad one is a 400 naming its field; a URL's password never comes back from the API.</summary>
public sealed class TriggerSpecTests
{
    [Theory]
    [InlineData("""[{ "amqp": { "queue": "q" } }]""", "triggers[0].amqp.url is required")]
    [InlineData("""[{ "amqp": { "url": "http://broker/", "queue": "q" } }]""", "triggers[0].amqp.url must be an amqp")]
    [InlineData("""[{ "amqp": { "url": "amqp://broker/", "queue": "" } }]""", "triggers[0].amqp.queue is required")]
    [InlineData("""[{ "amqp": { "url": "amqp://broker/", "queue": "q", "prefetch": 0 } }]""", "triggers[0].amqp.prefetch must be between")]
    [InlineData("""[{ "amqp": { "url": "amqp://a/", "queue": "q" } }, { "amqp": { "url": "amqp://b/", "queue": "q" } }]""", "triggers[1].amqp.name 'q' is used by another trigger")]
    [InlineData("""[{ }]""", "triggers[0] must have an amqp section")]
    [InlineData("""[{ "amqp": { "url": "no-such-secret", "queue": "q" } }]""", "triggers[0].amqp.url names secret 'no-such-secret', which does not exist")]
    public async Task BadTrigger_Answers400_NamingTheField(string triggers, string expected)
    {
        await using var gw = await TestGateway.StartAsync();

        using var response = await gw.PutFunctionAsync("fn", $$"""{ "runtime": "exec", "command": ["/bin/cat"], "triggers": {{triggers}} }""");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(expected, (await TestGateway.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TriggerUrl_IsShownMasked_ToEveryKey()
    {
        await using var gw = await TestGateway.StartAsync(o => o with { AmqpTriggers = new Triggers.AmqpTriggerOptions { Enabled = false } });
        using (var put = await gw.PutFunctionAsync("fn", """
            { "runtime": "exec", "command": ["/bin/cat"],
              "triggers": [{ "amqp": { "url": "amqp://app:s3cr%40t-pw@broker.internal:5672/prod", "queue": "image_process" } }] }
            """))
        {
            Assert.Equal(HttpStatusCode.Created, put.StatusCode);
            Assert.DoesNotContain("s3cr", await put.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        var text = await gw.Client.GetStringAsync(new Uri("/v1/functions/fn", UriKind.Relative));

        Assert.DoesNotContain("s3cr", text, StringComparison.Ordinal);
        Assert.Contains("amqp://app:***@broker.internal:5672/prod", text, StringComparison.Ordinal);
        Assert.Contains("\"queue\":\"image_process\"", text, StringComparison.Ordinal);
        var stored = await gw.Store.GetFunctionAsync("fn", default);
        Assert.Equal("amqp://app:s3cr%40t-pw@broker.internal:5672/prod", Assert.Single(stored!.Spec.Triggers).Url);
    }
}
