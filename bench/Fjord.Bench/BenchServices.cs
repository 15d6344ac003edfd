namespace Fjord.Bench;

/// <summary>
/// A private RabbitMQ node and PostgreSQL cluster for the run, started and stopped by
/// scripts/services.sh in a folder of the bench's own (it stops them by their recorded PIDs).
/// </summary>
internal sealed class BenchServices : IAsyncDisposable
{
    private readonly string _script;
    private readonly string _dir;

    private BenchServices(string script, string dir, string broker, string store, string redis, string redisAdmin)
    {
        _script = script;
        _dir = dir;
        Broker = broker;
        Store = store;
        Redis = redis;
        RedisAdmin = redisAdmin;
    }

    /// <summary>redis://fjord:…@127.0.0.1:PORT — the private redis-server as Fjord's least-privilege user.</summary>
    public string Redis { get; }

    /// <summary>The same server as its admin user: INFO memory for the memory figures.</summary>
    public string RedisAdmin { get; }

    /// <summary>The redis-server process (single-threaded event loop plus its background threads).</summary>
    public int RedisPid => int.Parse(File.ReadAllText(Path.Combine(_dir, "redis.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>amqp://fjord:…@127.0.0.1:PORT/fjord — the user may use queues named fjord.*.</summary>
    public string Broker { get; }

    public string Store { get; }

    /// <summary>The RabbitMQ node's process (beam.smp): its tree is the broker's CPU.</summary>
    public int BrokerPid => int.Parse(File.ReadAllText(Path.Combine(_dir, "rabbit.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The private epmd the broker registers with.</summary>
    public int EpmdPid => int.Parse(File.ReadAllText(Path.Combine(_dir, "epmd.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The postmaster: its tree is every PostgreSQL process (backends, WAL writer, checkpointer).</summary>
    public int PostgresPid => int.Parse(File.ReadLines(Path.Combine(_dir, "pg", "postmaster.pid")).First().Trim(), System.Globalization.CultureInfo.InvariantCulture);

    public static async Task<BenchServices> StartAsync(string root)
    {
        var script = Path.Combine(root, "scripts/services.sh");
        var dir = Path.Combine(Path.GetTempPath(), "fjord-bench-services-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await RunAsync(script, "start", dir);
            var env = File.ReadLines(Path.Combine(dir, "env"))
                .Select(l => l.Split('=', 2))
                .Where(p => p.Length == 2)
                .ToDictionary(p => p[0], p => p[1], StringComparer.Ordinal);
            return new BenchServices(script, dir, env["FJORD_TEST_BROKER"], env["FJORD_TEST_STORE"], env["FJORD_TEST_REDIS"], env["FJORD_TEST_REDIS_ADMIN"]);
        }
        catch
        {
            await RunAsync(script, "stop", dir);
            throw;
        }
    }

    /// <summary>A fresh database on the run's PostgreSQL; returns its URI.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await ChildProcess.RunAsync("psql", [Store, "-q", "-c", $"CREATE DATABASE {name}"]);
        var uri = new UriBuilder(Store) { Path = "/" + name };
        return uri.Uri.ToString();
    }

    private static Task RunAsync(string script, string command, string dir) => ChildProcess.RunAsync("bash", [script, command, dir]);

    public async ValueTask DisposeAsync() => await RunAsync(_script, "stop", _dir);
}
