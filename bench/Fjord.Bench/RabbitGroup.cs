namespace Fjord.Bench;

/// <summary>
/// `--only rabbit`: Fjord scaled out on RabbitMQ + PostgreSQL next to raw RabbitMQ and next to
/// `fjord up`, in one run, on one workload: no-op jobs with the ~100-byte JSON payload, eight
/// handlers. Raw RabbitMQ runs at prefetch 8 (Fjord's worker prefetches its pool's concurrency,
/// 8 here) and 100 (the peers' setting); the ratio that matters is Fjord on RabbitMQ over raw
/// prefetch 8. Fjord on RabbitMQ runs on a fresh database.
/// </summary>
internal static class RabbitGroup
{
    private const string Function = "noop-py";
    private const int Inflight = 32;
    private const int PollMs = 50;

    public static async Task<List<(LoadResult Result, string Unit)>> RunAsync(string root, string fjordDll, int scale)
    {
        var count = 20_000 / scale;
        var warmup = 500;
        var projectFile = Path.Combine(root, "bench/fjord.bench.yml");
        var results = new List<(LoadResult, string)>();
        LoadResult raw8, raw100, scaled, embedded;

        await using (var services = await BenchServices.StartAsync(root))
        {
            // Warm-up: JIT and the broker's first quorum queue.
            await RawRabbit.EndToEndAsync(services.Broker, warmup, 8, Scenarios.Payload);
            raw8 = await RawRabbit.EndToEndAsync(services.Broker, count, 8, Scenarios.Payload);
            raw100 = await RawRabbit.EndToEndAsync(services.Broker, count, 100, Scenarios.Payload);
            scaled = await ScaleOutAsync(fjordDll, projectFile, services, await services.CreateDatabaseAsync("bench_stock"), count, warmup,
                $"fjord on rabbit {Function}");
        }
        // The broker and PostgreSQL are stopped by now: `fjord up` gets the machine they had.
        await using (var node = await Node.StartAsync(fjordDll, projectFile, 18081))
        {
            await Scenarios.EndToEndAsync(node, Function, warmup, Inflight, PollMs);
            embedded = await Scenarios.EndToEndAsync(node, Function, count, Inflight, PollMs, $"fjord up {Function}");
        }

        results.Add((raw8, "msgs/s"));
        results.Add((raw100, "msgs/s"));
        results.Add((scaled, "jobs/s"));
        results.Add((embedded, "jobs/s"));
        results.Add((Ratio("ratio rabbit / raw prefetch 8", scaled, raw8), "x"));
        results.Add((Ratio("ratio rabbit / raw prefetch 100", scaled, raw100), "x"));
        results.Add((Ratio("ratio rabbit / fjord up", scaled, embedded), "x"));
        return results;
    }

    /// <summary>A gateway and a worker on their own database: warm-up, then the measured run.</summary>
    private static async Task<LoadResult> ScaleOutAsync(string fjordDll, string projectFile, BenchServices services, string store, int count, int warmup, string name)
    {
        await using var cluster = await Node.StartScaleOutAsync(fjordDll, projectFile, [Function], services.Broker, store, 18090);
        await Scenarios.EndToEndAsync(cluster, Function, warmup, Inflight, PollMs);
        return await Scenarios.EndToEndAsync(cluster, Function, count, Inflight, PollMs, name);
    }

    /// <summary>A ratio of two rates, carried as a result whose <see cref="LoadResult.PerSecond"/> is the ratio.</summary>
    private static LoadResult Ratio(string name, LoadResult over, LoadResult under) =>
        new(name, 1, TimeSpan.FromSeconds(under.PerSecond / over.PerSecond), [], 0);
}
