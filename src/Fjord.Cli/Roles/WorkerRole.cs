using Fjord.Core.Nodes;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Worker;
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
        using var node = NodeComposition.Open("worker", args.DataDir, args.Node);
        if (args.Backend is not null)
        {
            await using var redis = await RedisBackend.OpenAsync(args, node.LoggerFactory, cancellationToken);
            return await RunAsync(node, args, redis, redis, redis, cancellationToken);
        }
        await using var services = await RoleServices.OpenAsync(args, $"fjord-worker@{node.Name}", node.LoggerFactory, cancellationToken);
        return await RunAsync(node, args, services.Store, services.Queue, services.Queue, cancellationToken);
    }

    /// <summary>The worker over one backend: the records it reads specs, bundles and secrets from, and the queue it leases jobs from.</summary>
    private static async Task<int> RunAsync<TStore>(NodeComposition node, RoleArguments args, TStore store, IJobQueue queue, IBacklogSource backlog, CancellationToken cancellationToken)
        where TStore : class, IFunctionStore, ISecretStore, INodeStore
    {
        var loggerFactory = node.LoggerFactory;
        var secrets = await GatewayHost.OpenSecretsAsync(store, GatewayHost.SecretsKey(keyFile: null), cancellationToken);
        var functions = node.OpenFunctions(args.Sandbox, secrets);

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        builder.Services.AddSingleton(queue);
        builder.Services.AddSingleton<IFunctionStore>(store);
        NodeComposition.AddWorker(builder.Services, node.WorkerOptions(functions, args.Surface.MaxBundleUnpackedBytes, store) with
        {
            Functions = args.Functions,
            Backlog = backlog,
            MaxProcesses = args.Sandbox.MaxProcesses,
            MaxMemoryBytes = args.Sandbox.MaxMemoryBytes,
        });
        using var host = builder.Build();

        await host.StartAsync(cancellationToken);
        await using var heartbeat = node.StartHeartbeat(store, host.Services.GetRequiredService<WorkerHost>());
        await using var metrics = args.MetricsPort is { } metricsPort
            ? await WorkerMetricsServer.StartAsync(args.MetricsHost, metricsPort, functions.Registry, heartbeat, loggerFactory, cancellationToken)
            : null;
        var only = args.Functions is { Count: > 0 } set ? string.Join(",", set) : "all functions";
        Console.Out.WriteLine($"fjord worker {node.Name} is up ({only}){NodeComposition.SandboxMark(functions.Sandbox)}");

        return await NodeComposition.WaitThenDrainAsync(host, "draining: running jobs finish, unstarted ones go back to the queue", cancellationToken);
    }
}
