using Fjord.Core.Nodes;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Gateway;
using Microsoft.Extensions.DependencyInjection;

namespace Fjord.Cli.Roles;

/// <summary>
/// `fjord gateway`: HTTP intake and the read side over RabbitMQ + PostgreSQL, no function
/// processes. Any number of gateways may run; each also runs an outbox relay, a lease reaper and
/// the callback dispatcher (AddFjordGateway finds the store's callback outbox), and they share
/// that work through the database. Deploys land in PostgreSQL, where workers find them.
/// </summary>
internal static class GatewayRole
{
    public static async Task<int> RunAsync(RoleArguments args, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        using var node = NodeComposition.Open("gateway", args.DataDir, port: (args.Host, args.Port));
        if (args.Backend is not null)
        {
            await using var redis = await RedisBackend.OpenAsync(args, node.LoggerFactory, cancellationToken);
            return await RunAsync(node, args, redis, redis, broker: null, cancellationToken);
        }
        await using var services = await RoleServices.OpenAsync(args, $"fjord-gateway@{Environment.MachineName}", node.LoggerFactory, cancellationToken);
        return await RunAsync(node, args, services.Store, services.Queue, services.Queue, cancellationToken);
    }

    /// <summary>The gateway over one backend: the records (<typeparamref name="TStore"/>) and the queue beside them, with the broker's readiness when there is one.</summary>
    private static async Task<int> RunAsync<TStore>(NodeComposition node, RoleArguments args, TStore store, IJobQueue queue, IReadinessSource? broker, CancellationToken cancellationToken)
        where TStore : class, IJobStore, IFunctionStore, IJobMonitor, IKeyStore, IReadinessSource, ISecretStore, INodeStore
    {
        var dataDir = node.DataDir;
        var loggerFactory = node.LoggerFactory;
        var secretsKey = GatewayHost.SecretsKey(keyFile: null);
        await GatewayHost.OpenSecretsAsync(store, secretsKey, cancellationToken);
        var gatewayOptions = GatewayHost.Options(dataDir, secretsKey, args.Surface, args.KeyRateLimit) with { Caps = args.Sandbox.Caps };
        var adminKey = await AdminKeyBootstrap.EnsureAsync(store, gatewayOptions, cancellationToken);

        var builder = GatewayHost.CreateBuilder(loggerFactory, args.Host, args.Port, queue, store);
        // /readyz: the store (registered above) and the broker. Intake itself also refuses (503)
        // while the broker is down.
        if (broker is not null)
            builder.Services.AddSingleton(broker);
        builder.Services.AddFjordGateway(gatewayOptions);

        await using var app = builder.Build();
        app.MapFjordGateway();
        await app.StartAsync(cancellationToken);
        await using var heartbeat = node.StartHeartbeat(store, workers: null);

        if (AdminKeyBootstrap.StartupLine(adminKey, gatewayOptions.AdminKeyFromEnvironment is { Length: > 0 }) is { } keyLine)
            Console.Out.WriteLine(keyLine);
        GatewayHost.PrintCallbackAllow(args.Surface);
        // Printed last: scripts and tests wait for this line.
        Console.Out.WriteLine($"fjord gateway is up at http://{args.Host}:{args.Port}");

        // Stop accepting first; the relay and store close after (disposed by `await using`).
        return await NodeComposition.WaitThenDrainAsync(app, drainingLine: null, cancellationToken);
    }
}
