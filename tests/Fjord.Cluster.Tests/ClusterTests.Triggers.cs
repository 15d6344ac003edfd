using System.Net.Http.Headers;
using System.Text;
using Fjord.Tests.Shared;
using Npgsql;
using RabbitMQ.Client;

namespace Fjord.Cluster.Tests;

public sealed partial class ClusterTests
{
    private const string TriggerQueue = "image_process";

    /// <summary>
    /// Issue 13's queue trigger in a cluster: two <c>fjord gateway</c> processes on one PostgreSQL
    /// both consume one existing durable queue (declare: false) that real publishers fill the way
    /// the worker pattern's producers do (persistent messages; one publisher without confirms, one
    /// awaiting each confirm; some messages with a message id, and a publisher retry that sends the
    /// same id again). One gateway is killed with SIGKILL while messages stream in. Every message
    /// still becomes exactly one job: a message with an id exactly one, whoever consumed it; a
    /// message without one a second job only when the broker redelivered it (the job's trigger
    /// says redelivered), and the queue ends empty.
    /// </summary>
    [Fact]
    public async Task AmqpTrigger_TwoGateways_OneQueue_EveryMessageOneJob_AcrossASigkilledGateway()
    {
        var vhost = "fjord-cl-trig-" + Guid.NewGuid().ToString("N")[..8];
        var broker = new Uri(Services.BrokerUri);
        Services.RabbitCtl("add_vhost", vhost);
        Services.RabbitCtl("set_permissions", "-p", vhost, broker.UserInfo.Split(':')[0], ".*", ".*", ".*");
        var url = new UriBuilder(broker) { Path = "/" + vhost }.Uri.ToString();
        try
        {
            var factory = new ConnectionFactory { Uri = new Uri(url) };
            await using var connection = await factory.CreateConnectionAsync();
            await using (var setup = await connection.CreateChannelAsync())
                await setup.QueueDeclareAsync(TriggerQueue, durable: true, exclusive: false, autoDelete: false);

            await using var cluster = await Cluster.StartAsync(Services.BrokerUri);
            var (second, secondUrl) = await cluster.StartGatewayProcessAsync("gateway-b", Services.BrokerUri);
            using var secondHttp = new HttpClient { BaseAddress = secondUrl, Timeout = TimeSpan.FromSeconds(30) };
            secondHttp.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Cluster.AdminKey);
            var spec = $$$"""{"runtime":"exec","command":["/bin/cat"],"concurrency":2,"triggers":[{"amqp":{"url":"{{{url}}}","queue":"{{{TriggerQueue}}}","declare":false,"prefetch":20}}]}""";
            using (var deploy = await cluster.Http.PutAsync("/v1/functions/images", new StringContent(spec, Encoding.UTF8, "application/json")))
                Assert.True(deploy.IsSuccessStatusCode, $"deploy: {(int)deploy.StatusCode} {await deploy.Content.ReadAsStringAsync()}");
            await WaitTriggerConnectedAsync(cluster.Http, cluster);
            await WaitTriggerConnectedAsync(secondHttp, cluster);

            // Two publishers at once, in steps, until well after the kill below: it lands mid-stream.
            using var killed = new CancellationTokenSource();
            var plainPublisher = PublishStreamAsync(connection, "plain", i => i % 2 == 1, confirms: false, killed.Token);
            var confirmedPublisher = PublishStreamAsync(connection, "confirmed", i => i % 2 == 0, confirms: true, killed.Token);

            // Kill the second gateway once both have made jobs.
            var until = DateTime.UtcNow.AddSeconds(60);
            while (DateTime.UtcNow < until && !(await AcceptedAsync(secondHttp) > 0 && await AcceptedAsync(cluster.Http) > 0
                && await cluster.CountAsync("SELECT count(*) FROM jobs WHERE function = 'images'") >= 60))
                await Task.Delay(20);
            var acceptedBySecond = await AcceptedAsync(secondHttp);
            second.SigKill();
            await killed.CancelAsync();
            await second.WaitForExitAsync();
            var plain = await plainPublisher;
            var confirmed = await confirmedPublisher;
            Assert.True(acceptedBySecond > 0, "the second gateway never took a message\n" + cluster.Logs);

            // A publisher that lost a confirm sends the same message again, with the same id.
            await PublishAsync(connection, [.. confirmed.Where(m => m.Id is not null).Take(20)], confirms: true);

            var bodies = plain.Concat(confirmed).ToDictionary(m => m.Body, m => m.Id);
            until = DateTime.UtcNow.AddSeconds(90);
            List<(string Body, string? MessageId, bool Redelivered)> jobs;
            while (true)
            {
                jobs = await TriggerJobsAsync(cluster.StoreConnection);
                var made = jobs.Select(j => j.Body).Distinct().Count();
                if ((made == bodies.Count && await ReadyAsync(connection) == 0) || DateTime.UtcNow > until)
                    break;
                await Task.Delay(250);
            }
            // Late redeliveries would show up here.
            await Task.Delay(TimeSpan.FromSeconds(3));
            jobs = await TriggerJobsAsync(cluster.StoreConnection);

            Assert.Equal(0u, await ReadyAsync(connection));
            Assert.Equal(bodies.Keys.Order(), jobs.Select(j => j.Body).Distinct().Order());
            foreach (var group in jobs.GroupBy(j => j.Body))
            {
                var id = bodies[group.Key];
                if (id is not null)
                {
                    Assert.True(group.Count() == 1, $"{group.Key} (message id {id}) made {group.Count()} jobs");
                    Assert.Equal(id, group.Single().MessageId);
                }
                else
                {
                    // At most one first delivery; any other job is of a redelivery the broker made
                    // because the killed gateway never acked it.
                    Assert.True(group.Count(j => !j.Redelivered) <= 1, $"{group.Key} made {group.Count()} jobs, not from redeliveries");
                }
            }
            // Only what the killed gateway held unacked can come again: at most its prefetch.
            var duplicates = jobs.Count - bodies.Count;
            Assert.True(duplicates <= 20, $"{duplicates} duplicate jobs, more than the killed gateway's prefetch of 20");
            Assert.Equal(0, await cluster.CountAsync("SELECT count(*) FROM jobs WHERE function = 'images' AND trigger_info IS NULL"));
        }
        finally
        {
            Services.RabbitCtl("delete_vhost", vhost);
        }
    }

    /// <summary>
    /// Persistent messages in steps of 10 with a pause between, on a channel of their own (with
    /// confirms each publish awaits its confirm): at least 300, and on until 100 after
    /// <paramref name="killed"/>. Returns what was published.
    /// </summary>
    private static async Task<List<(string Body, string? Id)>> PublishStreamAsync(IConnection connection, string prefix, Func<int, bool> withId, bool confirms, CancellationToken killed)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(confirms, confirms));
        var published = new List<(string Body, string? Id)>();
        var after = 0;
        for (var i = 0; i < 300 || (!killed.IsCancellationRequested && i < 20_000) || after++ < 100; i++)
        {
            var message = ($"{prefix}-{i}", withId(i) ? $"id-{prefix}-{i}" : null);
            await PublishAsync(channel, message);
            published.Add(message);
            if (i % 10 == 9)
                await Task.Delay(100, CancellationToken.None);
        }
        return published;
    }

    private static async Task PublishAsync(IConnection connection, IReadOnlyList<(string Body, string? Id)> messages, bool confirms)
    {
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(confirms, confirms));
        foreach (var message in messages)
            await PublishAsync(channel, message);
    }

    private static async Task PublishAsync(IChannel channel, (string Body, string? Id) message)
    {
        var properties = new BasicProperties { Persistent = true, ContentType = "text/plain", MessageId = message.Id };
        await channel.BasicPublishAsync("", TriggerQueue, mandatory: true, properties, Encoding.UTF8.GetBytes(message.Body));
    }

    private static async Task<uint> ReadyAsync(IConnection connection)
    {
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(TriggerQueue)).MessageCount;
    }

    private static async Task WaitTriggerConnectedAsync(HttpClient gateway, Cluster cluster)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (!(await gateway.GetStringAsync("/metrics")).Contains("fjord_trigger_connected{function=\"images\",trigger=\"image_process\"} 1", StringComparison.Ordinal))
        {
            Assert.True(DateTime.UtcNow < until, $"{gateway.BaseAddress}: the trigger never connected\n{cluster.Logs}");
            await Task.Delay(100);
        }
    }

    private static async Task<double> AcceptedAsync(HttpClient gateway)
    {
        const string series = "fjord_trigger_messages_accepted_total{function=\"images\",trigger=\"image_process\"} ";
        var text = await gateway.GetStringAsync("/metrics");
        var at = text.IndexOf(series, StringComparison.Ordinal);
        return at < 0 ? 0 : double.Parse(text[(at + series.Length)..text.IndexOf('\n', at)], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Every job of the queue-triggered function: its payload, the message id and redelivered flag its trigger recorded.</summary>
    private static async Task<List<(string Body, string? MessageId, bool Redelivered)>> TriggerJobsAsync(string store)
    {
        await using var connection = new NpgsqlConnection(store);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT convert_from(payload, 'UTF8'), trigger_info::json->'context'->>'messageId', trigger_info::json->'context'->>'redelivered'
            FROM jobs WHERE function = 'images'
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var jobs = new List<(string, string?, bool)>();
        while (await reader.ReadAsync())
            jobs.Add((reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), !reader.IsDBNull(2) && reader.GetString(2) == "true"));
        return jobs;
    }
}
