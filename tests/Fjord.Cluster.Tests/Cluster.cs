using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Fjord.Storage.Postgres;
using Fjord.Tests.Shared;
using Npgsql;

namespace Fjord.Cluster.Tests;

/// <summary>
/// A gateway and workers as separate processes over the private RabbitMQ node and a fresh
/// PostgreSQL database. Jobs are counted straight from the database, so every job is accounted for.
/// </summary>
internal sealed partial class Cluster : IAsyncDisposable
{
    public const string AdminKey = "fjord-cluster-test-admin-key-0123456789";

    private readonly List<NodeProcess> _nodes = [];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "fjord-cluster-" + Guid.NewGuid().ToString("N"));
    private string _database = "";
    private string _fjordDll = "";

    public string StoreConnection { get; private set; } = "";

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(30) };

    public NodeProcess Gateway { get; private set; } = null!;

    /// <param name="fjordDll">The build every node of this cluster runs unless a start names another; null: this checkout's.</param>
    public static async Task<Cluster> StartAsync(string brokerUri, IReadOnlyDictionary<string, string>? gatewayEnv = null, string? fjordDll = null)
    {
        var cluster = new Cluster { _fjordDll = fjordDll ?? NodeProcess.FjordDll };
        cluster._database = "fjord_" + Guid.NewGuid().ToString("N")[..12];
        var admin = PgConnectionString.Normalize(Services.StoreUri);
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {cluster._database}", connection);
            await command.ExecuteNonQueryAsync();
        }
        cluster.StoreConnection = new NpgsqlConnectionStringBuilder(admin) { Database = cluster._database }.ConnectionString;
        var port = FreePort();
        var env = new Dictionary<string, string>(gatewayEnv ?? new Dictionary<string, string>()) { ["FJORD_ADMIN_KEY"] = AdminKey };
        cluster.Gateway = await cluster.StartNodeAsync(null, "gateway", env,
            "gateway", "--broker", brokerUri, "--store", cluster.StoreConnection, "--host", "127.0.0.1", "--callback-allow", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        cluster.Http.BaseAddress = new Uri($"http://127.0.0.1:{port}");
        cluster.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return cluster;
    }

    /// <summary>Another gateway process on the same broker and store (its own port); returns its URL.</summary>
    public async Task<Uri> StartAnotherGatewayAsync(string name, string brokerUri, string? fjordDll = null) =>
        (await StartGatewayProcessAsync(name, brokerUri, fjordDll)).Url;

    /// <summary>Another gateway process on the same broker and store: the process (to kill it by PID) and its URL.</summary>
    public async Task<(NodeProcess Node, Uri Url)> StartGatewayProcessAsync(string name, string brokerUri, string? fjordDll = null)
    {
        var port = FreePort();
        var node = await StartNodeAsync(fjordDll, name, new Dictionary<string, string>(),
            "gateway", "--broker", brokerUri, "--store", StoreConnection, "--host", "127.0.0.1",
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return (node, new Uri($"http://127.0.0.1:{port}"));
    }

    public Task<NodeProcess> StartWorkerAsync(string node, string brokerUri, IReadOnlyDictionary<string, string>? env = null, params string[] extraArgs) =>
        _redis is not null
            ? StartNodeAsync(null, node, RedisEnv(env), ["worker", "--node", node, .. extraArgs])
            : StartNodeAsync(null, node, env ?? new Dictionary<string, string>(), ["worker", "--broker", brokerUri, "--store", StoreConnection, "--node", node, .. extraArgs]);

    /// <summary>A worker of another build (<paramref name="fjordDll"/>) on this cluster's broker and store.</summary>
    public Task<NodeProcess> StartWorkerOfBuildAsync(string fjordDll, string node, string brokerUri) =>
        StartNodeAsync(fjordDll, node, new Dictionary<string, string>(), ["worker", "--broker", brokerUri, "--store", StoreConnection, "--node", node]);

    private async Task<NodeProcess> StartNodeAsync(string? fjordDll, string name, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        var node = await NodeProcess.StartBuildAsync(fjordDll ?? _fjordDll, name, Path.Combine(_folder, name), env, args);
        _nodes.Add(node);
        return node;
    }

    /// <summary>
    /// Which test class uses each function name on the shared broker. A function's name is its
    /// queue's name, and every RabbitMQ cluster of this run shares one vhost: two classes (which
    /// xUnit runs in parallel) deploying the same name would take each other's messages, and a
    /// worker acks a message whose job its own store does not know as stale, so the other
    /// cluster's jobs would never run. That made a flake; this makes it a failure every time.
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> FunctionOwners = new(StringComparer.Ordinal);

    /// <summary>Deploys a host-program function (no bundle) through the gateway: workers learn it from the store.</summary>
    public async Task DeployAsync(string name, string shell, int concurrency, [System.Runtime.CompilerServices.CallerFilePath] string caller = "")
    {
        if (_redis is null)
        {
            // ClusterTests.Redis.cs and ClusterTests.cs are one class, run one test at a time.
            var owner = Path.GetFileName(caller).Split('.')[0];
            var first = FunctionOwners.GetOrAdd(name, owner);
            Assert.True(first == owner, $"function '{name}' is also deployed by {first} on the shared broker: give it a name of its own");
        }
        var spec = $$$"""{"runtime":"exec","command":["/bin/sh","-c","{{{shell}}}"],"concurrency":{{{concurrency}}},"timeout":"30s","maxAttempts":5,"backoff":{"initial":"200ms","max":"1s"}}""";
        using var response = await Http.PutAsync($"/v1/functions/{name}", new StringContent(spec, Encoding.UTF8, "application/json"));
        Assert.True(response.IsSuccessStatusCode, $"deploy: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Submits one job; returns its id on 202, null on 503, and fails the test on anything else.</summary>
    public async Task<string?> SubmitAsync(string function, string payload, string? callbackUrl = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/functions/{function}/jobs") { Content = new StringContent(payload, Encoding.UTF8, "text/plain") };
        if (callbackUrl is not null)
            request.Headers.Add("X-Callback-Url", callbackUrl);
        using var response = await Http.SendAsync(request);
        if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            return null;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"submit: {(int)response.StatusCode} {body}");
        var start = body.IndexOf("\"id\":\"", StringComparison.Ordinal) + 6;
        return body[start..body.IndexOf('"', start)];
    }

    /// <summary>Submits many jobs in one <c>jobs:batch</c> request (all stored or none); returns their ids in order.</summary>
    public async Task<List<string>> SubmitBatchAsync(string function, IEnumerable<string> payloads)
    {
        var body = System.Text.Json.JsonSerializer.Serialize(payloads.ToArray());
        using var response = await Http.PostAsync($"/v1/functions/{function}/jobs:batch", new StringContent(body, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"batch: {(int)response.StatusCode} {text}");
        using var document = System.Text.Json.JsonDocument.Parse(text);
        return [.. document.RootElement.GetProperty("ids").EnumerateArray().Select(id => id.GetString()!)];
    }

    public async Task<bool> ReadyAsync()
    {
        using var response = await Http.GetAsync("/readyz");
        return response.IsSuccessStatusCode;
    }

    /// <summary>(status, node) of each job, read from PostgreSQL.</summary>
    public async Task<Dictionary<string, (short Status, string? Node)>> JobsAsync(IReadOnlyCollection<string> ids)
    {
        if (_redis is not null)
            return await RedisJobsAsync(ids);
        await using var connection = new NpgsqlConnection(StoreConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT id, status, node FROM jobs WHERE id = ANY($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. ids] });
        await using var reader = await command.ExecuteReaderAsync();
        var jobs = new Dictionary<string, (short, string?)>(StringComparer.Ordinal);
        while (await reader.ReadAsync())
            jobs[reader.GetString(0)] = (reader.GetInt16(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        return jobs;
    }

    public async Task<long> CountAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(StoreConnection);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Waits until every job is terminal (succeeded 3, failed 4, canceled 5), or the deadline passes.</summary>
    public async Task<Dictionary<string, (short Status, string? Node)>> WaitAllEndedAsync(IReadOnlyCollection<string> ids, TimeSpan deadline)
    {
        var until = DateTime.UtcNow + deadline;
        while (true)
        {
            var jobs = await JobsAsync(ids);
            if ((jobs.Count == ids.Count && jobs.Values.All(j => j.Status >= 3)) || DateTime.UtcNow > until)
                return jobs;
            await Task.Delay(250);
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public string Logs => string.Join("\n\n", _nodes.Select(n => $"== {n.Name}\n{n.Output}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var node in _nodes)
            await node.DisposeAsync();
        Http.Dispose();
        if (_redis is not null)
        {
            await DisposeRedisAsync();
            return;
        }
        try
        {
            await using var connection = new NpgsqlConnection(PgConnectionString.Normalize(Services.StoreUri));
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", connection);
            await command.ExecuteNonQueryAsync();
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or NpgsqlException)
        {
        }
    }
}
