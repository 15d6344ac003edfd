using System.Globalization;
using System.Net.Http.Headers;

namespace Fjord.Bench;

/// <summary>
/// The Fjord under test, reached over HTTP at <see cref="Port"/>: either one `fjord up` process,
/// or a `fjord gateway` and a `fjord worker` over RabbitMQ + PostgreSQL. Each process has its
/// own data folder under <see cref="DataDir"/>.
/// </summary>
internal sealed class Node : IAsyncDisposable
{
    private const string AdminSecret = "fjk_bench";

    private readonly List<FjordProcess> _processes = [];

    private Node(string dataDir, int port)
    {
        Port = port;
        DataDir = dataDir;
        Http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = new Uri($"http://127.0.0.1:{port}"),
            Timeout = TimeSpan.FromMinutes(5),
        };
        Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminSecret);
    }

    public HttpClient Http { get; }

    public string Key => AdminSecret;

    public int Port { get; }

    public string DataDir { get; }

    private static readonly Dictionary<string, string> AdminKey = new() { ["FJORD_ADMIN_KEY"] = AdminSecret };

    /// <summary>`fjord up -f <paramref name="projectFile"/>`: the embedded store, functions deployed from the file.</summary>
    public static async Task<Node> StartAsync(string fjordDll, string projectFile, int port, IReadOnlyDictionary<string, string>? env = null)
    {
        var node = new Node(NewDataDir(), port);
        try
        {
            node._processes.Add(await FjordProcess.StartAsync(fjordDll, "node", env is null ? AdminKey : new Dictionary<string, string>(AdminKey.Concat(env)),
                "up", "--data", node.DataDir, "--port", Text(port), "-f", projectFile));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One `fjord gateway` and one `fjord worker` over the broker and store; the functions named
    /// are deployed through the gateway with `fjord deploy`, as an operator would.
    /// </summary>
    public static async Task<Node> StartScaleOutAsync(string fjordDll, string projectFile, string[] functions, string broker, string store, int port)
    {
        var node = new Node(NewDataDir(), port);
        try
        {
            node._processes.Add(await FjordProcess.StartAsync(fjordDll, "gateway", AdminKey,
                "gateway", "--broker", broker, "--store", store, "--host", "127.0.0.1", "--port", Text(port), "--data", Path.Combine(node.DataDir, "gateway")));
            await DeployAsync(fjordDll, projectFile, functions, port);
            node._processes.Add(await FjordProcess.StartAsync(fjordDll, "worker", new Dictionary<string, string>(),
                "worker", "--broker", broker, "--store", store, "--node", "bench-worker", "--data", Path.Combine(node.DataDir, "worker")));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One `fjord gateway` and one `fjord worker` on Redis alone (`--backend`, given through
    /// $FJORD_BACKEND so the password is not on a command line); the functions deployed as above.
    /// </summary>
    public static async Task<Node> StartRedisAsync(string fjordDll, string projectFile, string[] functions, string backend, int port)
    {
        var node = new Node(NewDataDir(), port);
        var env = new Dictionary<string, string> { ["FJORD_BACKEND"] = backend };
        try
        {
            node._processes.Add(await FjordProcess.StartAsync(fjordDll, "gateway", new Dictionary<string, string>(AdminKey.Concat(env)),
                "gateway", "--host", "127.0.0.1", "--port", Text(port), "--data", Path.Combine(node.DataDir, "gateway")));
            await DeployAsync(fjordDll, projectFile, functions, port);
            node._processes.Add(await FjordProcess.StartAsync(fjordDll, "worker", env,
                "worker", "--node", "bench-worker", "--data", Path.Combine(node.DataDir, "worker")));
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    private static Task DeployAsync(string fjordDll, string projectFile, string[] functions, int port) =>
        ChildProcess.RunAsync("dotnet", [fjordDll, "deploy", "-f", projectFile, .. functions], new Dictionary<string, string>
        {
            ["FJORD_URL"] = $"http://127.0.0.1:{port}",
            ["FJORD_KEY"] = AdminSecret,
        });

    private static string NewDataDir() => Path.Combine(Path.GetTempPath(), "fjord-bench-" + Guid.NewGuid().ToString("N")[..8]);

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The node's processes by role: "node" (`fjord up`), or "gateway" and "worker".</summary>
    public IReadOnlyDictionary<string, int> Pids => _processes.ToDictionary(p => p.Label, p => p.Pid);

    /// <summary>Resident memory of the node's processes together.</summary>
    public long RssBytes() => _processes.Sum(p => p.RssBytes());

    public async ValueTask DisposeAsync()
    {
        // Reverse order: the worker stops before the gateway it was deployed through.
        for (var i = _processes.Count - 1; i >= 0; i--)
            await _processes[i].DisposeAsync();
        Http.Dispose();
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
