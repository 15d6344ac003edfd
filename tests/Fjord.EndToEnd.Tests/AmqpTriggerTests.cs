using System.Net;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace Fjord.EndToEnd.Tests;

/// <summary>
/// Queue triggers through a real `fjord up` (embedded store) and the private RabbitMQ: producers
/// publish the way the worker pattern's do (persistent messages to a durable queue, with and
/// without publisher confirms), and every message becomes exactly one job. Each test class run
/// gets a vhost of its own, so closing its connections touches no other test.
/// </summary>
public sealed class AmqpTriggerTests(AmqpTriggerNode fixture) : IClassFixture<AmqpTriggerNode>
{
    private readonly FjordNode _node = fixture.Node;

    [Fact]
    public async Task Messages_FromFjordYml_BecomeExactlyOneJobEach_WithAndWithoutConfirms()
    {
        var plain = Enumerable.Range(0, 40).Select(i => $"plain-{i}").ToArray();
        var confirmed = Enumerable.Range(0, 40).Select(i => $"confirmed-{i}").ToArray();
        await fixture.PublishAsync("orders", plain, confirms: false);
        await fixture.PublishAsync("orders", confirmed, confirms: true, messageIds: confirmed.Select(c => "id-" + c).ToArray());

        await fixture.WaitSucceededAsync("orders", 80);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var results = await fixture.ResultsAsync("orders");
        Assert.Equal(80, results.Count);
        Assert.Equal(plain.Concat(confirmed).Order(), results.Values.Order());
        Assert.Equal(0u, await fixture.MessageCountAsync("orders"));

        var (id, _) = results.First(r => r.Value == "confirmed-7");
        using var job = JsonDocument.Parse(await _node.Http.GetStringAsync($"/v1/jobs/{id}"));
        var trigger = job.RootElement.GetProperty("trigger");
        Assert.Equal("amqp", trigger.GetProperty("kind").GetString());
        Assert.Equal("orders", trigger.GetProperty("name").GetString());
        Assert.Equal("id-confirmed-7", trigger.GetProperty("context").GetProperty("messageId").GetString());
        Assert.Equal("acme", trigger.GetProperty("context").GetProperty("headers.tenant").GetString());

        // The URL's password is in fjord.yml, never in the API or the node's log.
        var function = await _node.Http.GetStringAsync("/v1/functions/orders");
        Assert.DoesNotContain(fixture.Password, function, StringComparison.Ordinal);
        Assert.Contains(":***@", function, StringComparison.Ordinal);
        Assert.DoesNotContain(fixture.Password, _node.Output, StringComparison.Ordinal);
        var metrics = await _node.Http.GetStringAsync("/metrics");
        Assert.Contains("fjord_trigger_messages_accepted_total{function=\"orders\",trigger=\"orders\"} 80", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PausedFunction_LeavesMessagesInTheQueue_ThenRunsThemAllAfterResume()
    {
        await fixture.DeployAsync("held", secretUrl: true);
        using (var pause = await _node.Http.PostAsync("/v1/functions/held/pause", null))
            Assert.Equal(HttpStatusCode.OK, pause.StatusCode);
        var bodies = Enumerable.Range(0, 15).Select(i => $"held-{i}").ToArray();
        await fixture.PublishAsync("held", bodies, confirms: true);

        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(15u, await fixture.MessageCountAsync("held"));
        Assert.Empty(await fixture.ResultsAsync("held", wait: false));

        using (var resume = await _node.Http.PostAsync("/v1/functions/held/resume", null))
            Assert.Equal(HttpStatusCode.OK, resume.StatusCode);
        await fixture.WaitSucceededAsync("held", 15);
        Assert.Equal(bodies.Order(), (await fixture.ResultsAsync("held")).Values.Order());
        Assert.Equal(0u, await fixture.MessageCountAsync("held"));
    }

    /// <summary>
    /// A message Fjord cannot accept because the function's queue is at its maxQueueDepth is
    /// neither acked nor lost: it stays in the broker's queue (ready, or unacked while a consumer
    /// tries it again), no job is made of it, and once there is room each becomes one job.
    /// </summary>
    [Fact]
    public async Task QueueFull_HoldsMessagesInTheBroker_ThenEachBecomesOneJobWhenThereIsRoom()
    {
        await fixture.DeployAsync("full", maxQueueDepth: 4);
        // The queue is full of jobs due in an hour.
        var delayed = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/functions/full/jobs") { Content = new StringContent($"delayed-{i}") };
            request.Headers.Add("X-Delay", "1h");
            using var response = await _node.Http.SendAsync(request);
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            delayed.Add(body.RootElement.GetProperty("id").GetString()!);
        }
        var bodies = Enumerable.Range(0, 10).Select(i => $"full-{i}").ToArray();
        await fixture.PublishAsync("full", bodies[..5], confirms: true, messageIds: bodies[..5].Select(b => "id-" + b).ToArray());
        await fixture.PublishAsync("full", bodies[5..], confirms: false);

        // Held: intake refused (queue_full), every message is still in the broker and none is a job.
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!(await _node.Http.GetStringAsync("/metrics")).Contains("fjord_trigger_messages_rejected_total{function=\"full\",trigger=\"full\",reason=\"queue_full\"}", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < until, "no queue_full refusal was counted\n" + _node.Tail());
            await Task.Delay(100);
        }
        await Task.Delay(TimeSpan.FromSeconds(3));
        var (ready, unacked) = fixture.QueueCounts("full");
        Assert.Equal(10, ready + unacked);
        Assert.Equal(4, (await fixture.ResultsAsync("full", wait: false)).Count);

        // Room again: the delayed jobs are canceled, and the held messages become jobs, once each.
        foreach (var id in delayed)
        {
            using var cancel = await _node.Http.PostAsync($"/v1/jobs/{id}/cancel", null);
            Assert.True(cancel.IsSuccessStatusCode, await cancel.Content.ReadAsStringAsync());
        }
        await fixture.WaitSucceededAsync("full", 10);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var results = await fixture.ResultsAsync("full", wait: false);
        Assert.Equal(14, results.Count);
        Assert.Equal(bodies.Order(), results.Values.Where(v => v.Length > 0).Order());
        Assert.Equal((0, 0), fixture.QueueCounts("full"));
    }

    [Fact]
    public async Task SameMessageId_MakesOneJob()
    {
        await fixture.DeployAsync("dedupe");
        await fixture.PublishAsync("dedupe", ["a1", "a2", "a3", "b1", "b2"], confirms: true, messageIds: ["a", "a", "a", "b", "b"]);

        await fixture.WaitSucceededAsync("dedupe", 2);
        await Task.Delay(TimeSpan.FromSeconds(2));

        var results = await fixture.ResultsAsync("dedupe");
        Assert.Equal(2, results.Count);
        Assert.Equal(0u, await fixture.MessageCountAsync("dedupe"));
        var metrics = await _node.Http.GetStringAsync("/metrics");
        Assert.Contains("fjord_trigger_messages_duplicate_total{function=\"dedupe\",trigger=\"dedupe\"} 3", metrics, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BrokerClosesTheConnection_ConsumerReconnects_AndNothingIsLost()
    {
        await fixture.DeployAsync("steady");
        var first = Enumerable.Range(0, 60).Select(i => $"s-{i}").ToArray();
        var second = Enumerable.Range(60, 60).Select(i => $"s-{i}").ToArray();
        await fixture.PublishAsync("steady", first, confirms: true, messageIds: first);
        await fixture.WaitSucceededAsync("steady", 1);

        Services.RabbitCtl("close_all_connections", "-p", fixture.Vhost, "test: the broker closes the connection");
        await fixture.PublishAsync("steady", second, confirms: true, messageIds: second);

        await fixture.WaitSucceededAsync("steady", 120);
        await Task.Delay(TimeSpan.FromSeconds(2));
        var results = await fixture.ResultsAsync("steady");
        Assert.Equal(first.Concat(second).Order(), results.Values.Order());
        Assert.True(CountOf(_node.Output, "consuming queue 'steady'") >= 2, _node.Tail());
    }

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var at = text.IndexOf(part, StringComparison.Ordinal); at >= 0; at = text.IndexOf(part, at + 1, StringComparison.Ordinal))
            count++;
        return count;
    }
}

/// <summary>A `fjord up` whose fjord.yml has one queue-triggered function, and a private vhost on the test broker.</summary>
public sealed class AmqpTriggerNode : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    internal FjordNode Node { get; private set; } = null!;

    public string Vhost { get; } = "fjord-trig-" + Guid.NewGuid().ToString("N")[..8];

    public string Password { get; private set; } = "";

    public string BrokerUrl { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var broker = new Uri(Services.BrokerUri);
        Password = Uri.UnescapeDataString(broker.UserInfo.Split(':', 2)[1]);
        Services.RabbitCtl("add_vhost", Vhost);
        Services.RabbitCtl("set_permissions", "-p", Vhost, broker.UserInfo.Split(':')[0], ".*", ".*", ".*");
        BrokerUrl = new UriBuilder(broker) { Path = "/" + Vhost }.Uri.ToString();

        var project = _dir.Combine("project");
        Directory.CreateDirectory(project);
        File.WriteAllText(Path.Combine(project, "fjord.yml"), $$"""
            functions:
              orders:
                runtime: exec
                command: ["/bin/cat"]
                concurrency: 4
                triggers:
                  - amqp: { url: "{{BrokerUrl}}", queue: orders, declare: true }
            """);
        Node = await FjordNode.StartAsync(_dir.Combine("data"), Path.Combine(project, "fjord.yml"));
        await WaitConnectedAsync("orders");
    }

    public async Task DisposeAsync()
    {
        await Node.DisposeAsync();
        try
        {
            Services.RabbitCtl("delete_vhost", Vhost);
        }
        catch (InvalidOperationException)
        {
            // The broker is shared and may be gone already; its data folder is temporary.
        }
        _dir.Dispose();
    }

    /// <summary>An exec function (cat) consuming its own queue (declared by Fjord), by URL or by a secret holding it.</summary>
    public async Task DeployAsync(string name, bool secretUrl = false, int? maxQueueDepth = null)
    {
        var url = BrokerUrl;
        if (secretUrl)
        {
            using var put = await Node.Http.PutAsync($"/v1/secrets/{name}-broker", new StringContent(BrokerUrl));
            Assert.True(put.IsSuccessStatusCode, await put.Content.ReadAsStringAsync());
            url = name + "-broker";
        }
        var spec = JsonSerializer.Serialize(new
        {
            runtime = "exec",
            command = new[] { "/bin/cat" },
            concurrency = 2,
            maxQueueDepth,
            triggers = new[] { new { amqp = new { url, queue = name, declare = true } } },
        });
        using var response = await Node.Http.PutAsync($"/v1/functions/{name}", new StringContent(spec, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        await WaitConnectedAsync(name);
    }

    public async Task WaitConnectedAsync(string function)
    {
        var until = DateTime.UtcNow.AddSeconds(30);
        while (!(await Node.Http.GetStringAsync("/metrics")).Contains($"fjord_trigger_connected{{function=\"{function}\",trigger=\"{function}\"}} 1", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < until, $"the trigger of {function} never connected\n{Node.Tail()}");
            await Task.Delay(100);
        }
    }

    /// <summary>Persistent messages to the durable queue, as pika or php-amqplib producers send them; with confirms, each publish waits for the broker's.</summary>
    public async Task PublishAsync(string queue, IReadOnlyList<string> bodies, bool confirms, IReadOnlyList<string>? messageIds = null)
    {
        var factory = new ConnectionFactory { Uri = new Uri(BrokerUrl) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(confirms, confirms));
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        for (var i = 0; i < bodies.Count; i++)
        {
            var properties = new BasicProperties
            {
                Persistent = true,
                ContentType = "text/plain",
                MessageId = messageIds?[i],
                Headers = new Dictionary<string, object?> { ["tenant"] = Encoding.UTF8.GetBytes("acme") },
            };
            await channel.BasicPublishAsync("", queue, mandatory: true, properties, Encoding.UTF8.GetBytes(bodies[i]));
        }
    }

    /// <summary>Ready messages in the queue now (a passive declare on a fresh channel).</summary>
    public async Task<uint> MessageCountAsync(string queue)
    {
        var factory = new ConnectionFactory { Uri = new Uri(BrokerUrl) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    /// <summary>Messages ready in the queue and delivered but not yet acked, as the broker counts them.</summary>
    public (int Ready, int Unacked) QueueCounts(string queue)
    {
        var output = Services.RabbitCtl("list_queues", "-p", Vhost, "--quiet", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged");
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (line.Split('\t', ' ') is [var name, var ready, var unacked] && name == queue)
                return (int.Parse(ready, System.Globalization.CultureInfo.InvariantCulture), int.Parse(unacked, System.Globalization.CultureInfo.InvariantCulture));
        }
        throw new InvalidOperationException($"queue {queue} not listed:\n{output}");
    }

    public async Task WaitSucceededAsync(string function, int count)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var queues = JsonDocument.Parse(await Node.Http.GetStringAsync("/v1/queues"));
            var succeeded = queues.RootElement.GetProperty("functions").EnumerateArray()
                .Where(f => f.GetProperty("name").GetString() == function)
                .Select(f => f.GetProperty("succeeded").GetInt64()).FirstOrDefault();
            if (succeeded >= count)
                return;
            Assert.True(DateTime.UtcNow < until, $"{function}: {succeeded} of {count} jobs succeeded\n{Node.Tail()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Every job of the function with its result (cat echoes the payload), by job id.</summary>
    public async Task<Dictionary<string, string>> ResultsAsync(string function, bool wait = true)
    {
        var results = new Dictionary<string, string>();
        string? cursor = null;
        do
        {
            using var page = JsonDocument.Parse(await Node.Http.GetStringAsync($"/v1/jobs?function={function}&limit=1000" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor))));
            foreach (var job in page.RootElement.GetProperty("items").EnumerateArray())
            {
                var id = job.GetProperty("id").GetString()!;
                results[id] = wait || job.GetProperty("status").GetString() == "succeeded"
                    ? await Node.Http.GetStringAsync($"/v1/jobs/{id}/result")
                    : "";
            }
            cursor = page.RootElement.GetProperty("next").GetString();
        }
        while (cursor is not null);
        return results;
    }
}
