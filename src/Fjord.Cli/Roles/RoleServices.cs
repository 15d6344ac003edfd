using Fjord.Cli.Up;
using Fjord.Core.Functions;
using Fjord.Queue.RabbitMq;
using Fjord.Storage.Postgres;
using Microsoft.Extensions.Logging;

namespace Fjord.Cli.Roles;

/// <summary>
/// What both roles open: the PostgreSQL records and the RabbitMQ queue. The store opens first
/// (migrations run there, serialized across nodes); the broker connection then keeps retrying in
/// the background if the broker is down, and /readyz says so meanwhile.
/// </summary>
internal sealed class RoleServices : IAsyncDisposable
{
    private RoleServices(PostgresStore store, RabbitMqQueue queue)
    {
        Store = store;
        Queue = queue;
    }

    public PostgresStore Store { get; }

    public RabbitMqQueue Queue { get; }

    public static async Task<RoleServices> OpenAsync(RoleArguments args, string clientName, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        var store = await PostgresStore.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = args.Store,
            LeaseDuration = Tuning.LeaseDuration,
            LoggerFactory = loggerFactory,
        }, cancellationToken);
        try
        {
            var queue = await RabbitMqQueue.StartAsync(new RabbitMqQueueOptions
            {
                BrokerUri = args.Broker,
                ClientName = clientName,
                Heartbeat = Heartbeat,
                LoggerFactory = loggerFactory,
            }, store.Ledger, cancellationToken);
            return new RoleServices(store, queue);
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    /// <summary>FJORD_HEARTBEAT (default 5s): how fast a silent broker link is noticed, on both ends.</summary>
    private static TimeSpan Heartbeat =>
        Environment.GetEnvironmentVariable("FJORD_HEARTBEAT") is { Length: > 0 } text && Quantity.TryParseDuration(text, out var value) && value >= TimeSpan.FromSeconds(1)
            ? value
            : TimeSpan.FromSeconds(5);

    /// <summary>The queue stops first (relay, consumers), then the store it writes through.</summary>
    public async ValueTask DisposeAsync()
    {
        await Queue.DisposeAsync();
        await Store.DisposeAsync();
    }
}
