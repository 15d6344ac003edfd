using System.Net.Http.Headers;
using System.Text.Json;
using Fjord.Storage.Redis;
using Fjord.Tests.Shared;
using StackExchange.Redis;

namespace Fjord.Cluster.Tests;

/// <summary>
/// The same cluster on Redis alone (`--backend` through $FJORD_BACKEND): the gateway and the
/// workers share one logical database of the private redis-server, emptied before and after, and
/// jobs are counted straight from Redis.
/// </summary>
internal sealed partial class Cluster
{
    private string? _redis;
    private int _redisDb;
    private ConnectionMultiplexer? _admin;

    /// <summary>Starts a gateway on Redis: database <paramref name="db"/> (1-15; the contract suite uses 0).</summary>
    public static async Task<Cluster> StartRedisAsync(int db)
    {
        var cluster = new Cluster { _fjordDll = NodeProcess.FjordDll, _redisDb = db, _redis = new UriBuilder(Services.RedisUri) { Path = "/" + db }.Uri.ToString() };
        await cluster.Admin.GetServers()[0].FlushDatabaseAsync(db);
        var port = FreePort();
        cluster.Gateway = await cluster.StartNodeAsync(null, "gateway", cluster.RedisEnv(new Dictionary<string, string> { ["FJORD_ADMIN_KEY"] = AdminKey }),
            "gateway", "--host", "127.0.0.1", "--callback-allow", "127.0.0.1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        cluster.Http.BaseAddress = new Uri($"http://127.0.0.1:{port}");
        cluster.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
        return cluster;
    }

    private ConnectionMultiplexer Admin => _admin ??= ConnectAdmin();

    private static ConnectionMultiplexer ConnectAdmin()
    {
        var options = RedisUri.Parse(Services.RedisAdminUri);
        options.AllowAdmin = true;
        // The test's own reads wait for the reconnect after a Redis restart (the nodes fail fast,
        // and answer 503; this connection, which counts their jobs, must not).
        options.BacklogPolicy = BacklogPolicy.Default;
        return ConnectionMultiplexer.Connect(options);
    }

    private IDatabase Redis => Admin.GetDatabase(_redisDb);

    private Dictionary<string, string> RedisEnv(IReadOnlyDictionary<string, string>? env) =>
        new(env ?? new Dictionary<string, string>()) { ["FJORD_BACKEND"] = _redis! };

    private async Task<Dictionary<string, (short Status, string? Node)>> RedisJobsAsync(IReadOnlyCollection<string> ids)
    {
        var jobs = new Dictionary<string, (short, string?)>(StringComparer.Ordinal);
        foreach (var id in ids)
        {
            var h = await Redis.HashGetAsync("fjord:j:" + id, ["st", "node"]);
            if (!h[0].IsNull)
                jobs[id] = ((short)(int)h[0], h[1].IsNull ? null : (string?)h[1]);
        }
        return jobs;
    }

    /// <summary>Every ended attempt of the jobs: (outcome, node).</summary>
    public async Task<List<(string Outcome, string? Node)>> RedisAttemptsAsync(IEnumerable<string> ids)
    {
        // Through the API: a quiet success has no entry of its own in a:ID (its job hash is it).
        var list = new List<(string, string?)>();
        foreach (var id in ids)
        {
            using var doc = JsonDocument.Parse(await Http.GetStringAsync($"/v1/jobs/{id}"));
            foreach (var attempt in doc.RootElement.GetProperty("attempts").EnumerateArray())
                list.Add((attempt.GetProperty("outcome").GetString()!, attempt.TryGetProperty("node", out var n) ? n.GetString() : null));
        }
        return list;
    }

    /// <summary>Running jobs held by <paramref name="node"/> (the per-node counter the scripts keep).</summary>
    public async Task<long> RedisRunningAsync(string function, string node) =>
        (long?)await Redis.HashGetAsync("fjord:rn:" + function, node) ?? 0;

    private async Task DisposeRedisAsync()
    {
        try
        {
            await Admin.GetServers()[0].FlushDatabaseAsync(_redisDb);
            Directory.Delete(_folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or RedisException)
        {
        }
        _admin?.Dispose();
    }
}
