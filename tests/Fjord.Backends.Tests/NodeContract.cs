using Fjord.Core.Nodes;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Fjord.Backends.Tests;

/// <summary>Heartbeats (issue 11): written, replaced, shown dead when silent, forgotten after a day; and the queue figures beside them.</summary>
public abstract class NodeContract
{
    protected abstract Task<Backend> CreateAsync();

    /// <summary>Moves a node's last beat back in time, as if it had been silent that long (the stores stamp beats with their own clock).</summary>
    protected abstract Task AgeAsync(Backend backend, string node, TimeSpan by);

    private static INodeStore Nodes(Backend b) => (INodeStore)b.Jobs;

    private static NodeReport Report(string id, params SlotFigures[] slots) => new()
    {
        Id = id,
        Role = "worker",
        Version = "1.2.3",
        StartedAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        LastSeenAt = DateTimeOffset.UtcNow,
        Host = new HostFigures(8, 0.5, 0.12, 3.5, 16L << 30, 8L << 30, 100L << 30),
        Process = new ProcessFigures(90L << 20),
        Slots = slots,
        Warnings = ["cpu steal 12% over the last minute"],
    };

    [Fact]
    public async Task Beat_IsListedWithItsFigures_AndReplacedByTheNext()
    {
        await using var b = await CreateAsync();
        var before = DateTimeOffset.UtcNow.AddSeconds(-5);
        await Nodes(b).BeatAsync(Report("node-a", new SlotFigures("f", 1, 4)), default);
        await Nodes(b).BeatAsync(Report("node-a", new SlotFigures("f", 3, 4), new SlotFigures("g", 0, 2)), default);
        await Nodes(b).BeatAsync(Report("node-b"), default);

        var nodes = await Nodes(b).ListNodesAsync(TimeSpan.FromSeconds(15), default);
        Assert.Equal(["node-a", "node-b"], nodes.Select(n => n.Report.Id));
        var a = nodes[0];
        Assert.True(a.Alive);
        Assert.True(a.LastSeenAt > before);
        Assert.Equal([new SlotFigures("f", 3, 4), new SlotFigures("g", 0, 2)], a.Report.Slots);
        Assert.Equal(new HostFigures(8, 0.5, 0.12, 3.5, 16L << 30, 8L << 30, 100L << 30), a.Report.Host);
        Assert.Equal(90L << 20, a.Report.Process.RssBytes);
        Assert.Equal(["cpu steal 12% over the last minute"], a.Report.Warnings);
        Assert.Equal("worker", a.Report.Role);
    }

    [Fact]
    public async Task SilentNode_IsShownDead_ThenForgottenAfterADay()
    {
        await using var b = await CreateAsync();
        await Nodes(b).BeatAsync(Report("quiet"), default);
        await Nodes(b).BeatAsync(Report("chatty"), default);

        await AgeAsync(b, "quiet", TimeSpan.FromSeconds(16));
        var nodes = await Nodes(b).ListNodesAsync(NodeHeartbeat.SilentAfter(NodeHeartbeat.DefaultInterval), default);
        Assert.False(nodes.Single(n => n.Report.Id == "quiet").Alive);
        Assert.True(nodes.Single(n => n.Report.Id == "chatty").Alive);

        // Its next beat brings it back to life.
        await Nodes(b).BeatAsync(Report("quiet"), default);
        Assert.All(await Nodes(b).ListNodesAsync(TimeSpan.FromSeconds(15), default), n => Assert.True(n.Alive));

        // Silent for a day and a minute: the next beat of any node forgets it.
        await AgeAsync(b, "quiet", TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        Assert.Equal(2, (await Nodes(b).ListNodesAsync(TimeSpan.FromSeconds(15), default)).Count);
        await Nodes(b).BeatAsync(Report("chatty"), default);
        Assert.Equal(["chatty"], (await Nodes(b).ListNodesAsync(TimeSpan.FromSeconds(15), default)).Select(n => n.Report.Id));
    }

    [Fact]
    public async Task Queues_OldestReadyAge_AndRunningByNode()
    {
        await using var b = await CreateAsync();
        var fn = Jobs.NewFunction();
        await b.Functions.PutFunctionAsync(Jobs.Spec(fn), default);
        Assert.Equal(0, (await b.Monitor.GetQueuesAsync(default)).Single(q => q.Name == fn).OldestReadyAgeMs);

        await b.Queue.EnqueueAsync([Jobs.New(fn), Jobs.New(fn), Jobs.New(fn), Jobs.New(fn, runAt: DateTimeOffset.UtcNow.AddHours(1))], default);
        await Task.Delay(400);
        var waiting = (await b.Monitor.GetQueuesAsync(default)).Single(q => q.Name == fn);
        Assert.InRange(waiting.OldestReadyAgeMs, 350, 60_000);
        Assert.Empty(waiting.RunningByNode);

        await using var one = await b.Queue.FetchAsync(fn, "node-a", default);
        await using var two = await b.Queue.FetchAsync(fn, "node-a", default);
        await using var three = await b.Queue.FetchAsync(fn, "node-b", default);
        var running = (await b.Monitor.GetQueuesAsync(default)).Single(q => q.Name == fn);
        Assert.Equal(3, running.Running);
        Assert.Equal(2, running.RunningByNode["node-a"]);
        Assert.Equal(1, running.RunningByNode["node-b"]);
        // Only the delayed job waits, and it is not ready: no age.
        Assert.Equal(0, running.OldestReadyAgeMs);
        Assert.Equal(1, running.Scheduled);
    }
}

public sealed class SqliteNodeContract : NodeContract
{
    protected override Task<Backend> CreateAsync() => SqliteBackend.CreateAsync();

    protected override async Task AgeAsync(Backend backend, string node, TimeSpan by)
    {
        // A second connection beside the store's writer (WAL allows it; the store's lock is its own file).
        await using var connection = new SqliteConnection($"Data Source={((SqliteBackend)backend).DatabasePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA busy_timeout = 5000; UPDATE nodes SET last_seen = last_seen - $ms WHERE id = $id";
        command.Parameters.AddWithValue("$ms", (long)by.TotalMilliseconds);
        command.Parameters.AddWithValue("$id", node);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}

public sealed class PostgresNodeContract : NodeContract
{
    protected override async Task<Backend> CreateAsync() => await RabbitPostgresBackend.CreateAsync();

    protected override async Task AgeAsync(Backend backend, string node, TimeSpan by)
    {
        await using var connection = new NpgsqlConnection(((RabbitPostgresBackend)backend).ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE nodes SET last_seen = last_seen - $1 WHERE id = $2", connection);
        command.Parameters.AddWithValue((long)by.TotalMilliseconds);
        command.Parameters.AddWithValue(node);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }
}

public sealed class RedisNodeContract : NodeContract
{
    protected override async Task<Backend> CreateAsync() => await RedisBackend.CreateAsync();

    protected override Task AgeAsync(Backend backend, string node, TimeSpan by) => ((RedisBackend)backend).AgeNodeAsync(node, by);
}
