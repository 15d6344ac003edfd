using Fjord.Core;
using Fjord.Core.Secrets;
using Fjord.Core.Storage;
using Fjord.Gateway;
using Fjord.Gateway.Functions;
using Fjord.Runtime;
using Fjord.Storage.Sqlite;
using Fjord.Worker;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Cli.Up;

/// <summary>Arguments of `fjord up`, parsed by the command line layer.</summary>
internal sealed record UpArguments(string DataDir, int Port, string? ProjectFile, string Host = "127.0.0.1", Commands.SurfaceSettings? Surface = null, Fjord.Core.Storage.KeyRateLimit? KeyRateLimit = null, SandboxArguments? Sandbox = null);

/// <summary>
/// `fjord up`: the composition root of a one-node platform. Gateway, worker pools and the
/// embedded SQLite store share one process and one data folder:
/// <c>{data}/fjord.db</c> (jobs, functions, bundles, keys, sealed secrets), <c>{data}/bundles/</c> (unpacked
/// code by content hash), <c>{data}/admin.key</c>, <c>{data}/secrets.key</c>.
/// </summary>
internal static class UpCommand
{
    /// <summary>Runs until <paramref name="cancellationToken"/> fires (Ctrl+C / SIGTERM), then drains. Returns the exit code.</summary>
    public static async Task<int> RunAsync(UpArguments args, CancellationToken cancellationToken)
    {
        using var node = Roles.NodeComposition.Open("up", args.DataDir, port: (args.Host, args.Port));
        var dataDir = node.DataDir;
        var loggerFactory = node.LoggerFactory;

        // One clock for the store, the worker and the gateway, immune to steps of the wall clock
        // (see SteadyClock): a step must neither expire running leases nor strand retries.
        var time = new SteadyClock(TimeProvider.System);
        await using var store = await SqliteStore.OpenAsync(
            new SqliteStoreOptions
            {
                Time = time,
                Path = Path.Combine(dataDir, "fjord.db"),
                Node = node.Name,
                LoggerFactory = loggerFactory,
                LeaseDuration = Tuning.LeaseDuration,
            },
            cancellationToken);

        var secretsKey = GatewayHost.SecretsKey(Path.Combine(dataDir, SecretKey.FileName));
        var secrets = await GatewayHost.OpenSecretsAsync(store, secretsKey, cancellationToken);
        // Running attempts' logs as written, for `logs -f` (the gateway and the workers share this process).
        var liveLogs = new Fjord.Core.Jobs.LiveLogs();
        var sandboxArgs = args.Sandbox ?? new SandboxArguments();
        var functions = node.OpenFunctions(sandboxArgs, secrets);
        var sandbox = functions.Sandbox;
        // One registry for the gateway's /metrics and the worker's latency histograms.
        var registry = functions.Registry;

        var surface = args.Surface ?? Commands.SurfaceSettings.Default;
        var gatewayOptions = GatewayHost.Options(dataDir, secretsKey, surface, args.KeyRateLimit) with { Caps = sandboxArgs.Caps };
        var adminKey = await AdminKeyBootstrap.EnsureAsync(store, gatewayOptions, cancellationToken);

        var builder = GatewayHost.CreateBuilder<SqliteStore>(loggerFactory, args.Host, args.Port, store, store);
        builder.Services.AddSingleton<IReadinessSource>(new SandboxReadiness(sandbox));
        builder.Services.AddSingleton<TimeProvider>(time);
        Roles.NodeComposition.AddWorker(builder.Services, node.WorkerOptions(functions, surface.MaxBundleUnpackedBytes, store) with
        {
            Time = time,
            LiveLogs = liveLogs,
            Backlog = store,
            MaxProcesses = sandboxArgs.MaxProcesses,
            MaxMemoryBytes = sandboxArgs.MaxMemoryBytes,
        });
        builder.Services.AddSingleton(registry);
        builder.Services.AddSingleton(liveLogs);
        builder.Services.AddFjordGateway(gatewayOptions);

        await using var app = builder.Build();
        app.MapFjordGateway();

        await app.StartAsync(cancellationToken);
        await using var heartbeat = node.StartHeartbeat(store, app.Services.GetRequiredService<WorkerHost>());
        var url = $"http://{args.Host}:{args.Port}";
        if (AdminKeyBootstrap.StartupLine(adminKey, gatewayOptions.AdminKeyFromEnvironment is { Length: > 0 }) is { } keyLine)
            Console.Out.WriteLine(keyLine);
        GatewayHost.PrintCallbackAllow(surface);

        if (args.ProjectFile is { } projectPath)
            await DeployProjectAsync(projectPath, new InProcessDeploy(app.Services.GetRequiredService<FunctionDeployer>(), app.Services.GetRequiredService<Gateway.Images.ImageCatalog>()), app.Services.GetRequiredService<WorkerHost>(), cancellationToken);
        // Startup and the deploy above (the bundles' zips, the specs' parsing) leave garbage the GC would keep committed while the node idles: one aggressive, compacting
        // collection hands it back (idle RSS 87.3 → 86.1 MB, two alternating pairs, `fjord up -f
        // bench/fjord.bench.yml`).
        GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);

        // Printed last: scripts and tests wait for this line to know the examples are deployed.
        Console.Out.WriteLine($"fjord is up at {url}  (node {node.Name}, data {dataDir}){Roles.NodeComposition.SandboxMark(sandbox)}");

        // The stop sequence matters: the gateway stops accepting first, then workers drain, and
        // only then does the store close (disposed by `await using` above).
        return await Roles.NodeComposition.WaitThenDrainAsync(app, "draining: running jobs finish, unstarted ones stay queued", cancellationToken);
    }

    private static async Task DeployProjectAsync(string projectPath, InProcessDeploy deployer, WorkerHost worker, CancellationToken cancellationToken)
    {
        var project = Project.ProjectFile.Load(projectPath);
        await Commands.DeployCommand.DeployAsync(deployer, project, [], Console.Out, cancellationToken);
        worker.Nudge();
    }
}
