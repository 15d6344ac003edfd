using Fjord.Cli.Up;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Runtime;
using Fjord.Worker;
using Fjord.Worker.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Cli.Roles;

/// <summary>
/// `fjord worker`: function pools fed by RabbitMQ, outcomes recorded in PostgreSQL. It learns
/// what to run (specs and bundles) from the store, so deploying once through any gateway is
/// enough. Each pool consumes its function's queue with prefetch = concurrency. On stop, running
/// jobs get the drain grace; unstarted ones go back through the outbox.
/// </summary>
internal static class WorkerRole
{
    public static async Task<int> RunAsync(RoleArguments args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        var dataDir = Path.GetFullPath(args.DataDir);
        PrivateFiles.CreateFolder(dataDir);
        var node = string.IsNullOrWhiteSpace(args.Node) ? NodeName.Default() : args.Node;
        using var tracing = Tracing.StartIfConfigured("worker", node);
        using var loggerFactory = RoleServices.CreateLoggerFactory();
        await using var services = await RoleServices.OpenAsync(args, $"fjord-worker@{node}", loggerFactory, cancellationToken);

        var secrets = await GatewayHost.OpenSecretsAsync(services.Store, GatewayHost.SecretsKey(keyFile: null), cancellationToken);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var jobMetrics = new JobMetrics(registry);
        var sandboxArgs = args.Sandbox;
        var sandbox = NodeSandbox.Open(sandboxArgs, dataDir, loggerFactory.CreateLogger("fjord"));
        var runtimeOptions = new RuntimeOptions
        {
            Host = sandbox,
            HostNetwork = sandboxArgs.AllowHostNetwork,
            CpuCores = sandboxArgs.DefaultCpu,
            TempRoot = Path.Combine(dataDir, "tmp"),
            Logger = loggerFactory.CreateLogger("Fjord.Runtime"),
            Secrets = secrets,
            ColdStart = jobMetrics.ColdStart,
        };

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton<IJobQueue>(services.Queue);
        builder.Services.AddSingleton<IFunctionStore>(services.Store);
        builder.Services.AddSingleton(new WorkerOptions
        {
            Node = node,
            BundleDir = Path.Combine(dataDir, "bundles"),
            MaxBundleUnpackedBytes = args.Surface.MaxBundleUnpackedBytes,
            CreateRunner = (spec, folder) => RunnerFactory.Create(spec, folder, runtimeOptions),
            Functions = args.Functions,
            RenewInterval = Tuning.LeaseDuration / 3,
            DrainGrace = Tuning.DrainGrace,
            Secrets = services.Store,
            Metrics = jobMetrics,
            Backlog = services.Queue,
            MaxProcesses = sandboxArgs.MaxProcesses,
            MaxMemoryBytes = sandboxArgs.MaxMemoryBytes,
        });
        builder.Services.AddSingleton<WorkerHost>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WorkerHost>());
        using var host = builder.Build();

        if (sandbox.Status.Complete && sandbox.Status.Warning is { } warning)
            loggerFactory.CreateLogger("fjord").LogWarning("Function processes are not fully contained: {Reason}", warning);
        await host.StartAsync(cancellationToken);
        await using var heartbeat = NodeReporting.Start(services.Store, node, "worker", dataDir, host.Services.GetRequiredService<WorkerHost>(), loggerFactory);
        await using var metrics = args.MetricsPort is { } metricsPort
            ? await WorkerMetricsServer.StartAsync(args.MetricsHost, metricsPort, registry, heartbeat, loggerFactory, cancellationToken)
            : null;
        var only = args.Functions is { Count: > 0 } set ? string.Join(",", set) : "all functions";
        Console.Out.WriteLine($"fjord worker {node} is up ({only}){(sandbox.Status.Complete ? "" : "  UNSANDBOXED")}");

        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        Console.Out.WriteLine("draining: running jobs finish, unstarted ones go back to the queue");
        await host.StopAsync(CancellationToken.None);
        return 0;
    }
}
