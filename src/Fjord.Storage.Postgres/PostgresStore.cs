using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Fjord.Storage.Postgres;

/// <summary>
/// The records of a many-node Fjord: functions, bundles, jobs, attempts, idempotency keys, API
/// keys, counters, the callback outbox and dead-letter commands in PostgreSQL. The job rows are the truth about every job; the broker only
/// carries wake-ups (see <see cref="PostgresJobLedger"/> and Fjord.Queue.RabbitMq). Every node
/// opens it with the same URI; the schema is migrated at open.
/// </summary>
public sealed partial class PostgresStore : IFunctionStore, IJobStore, IJobMonitor, IKeyStore, IReadinessSource, IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly NpgsqlDataSource _listenSource;
    private readonly JobEndListener _listener;
    private readonly ILogger _logger;
    private int _disposed;

    private PostgresStore(PostgresStoreOptions options, NpgsqlDataSource dataSource, NpgsqlDataSource listenSource, ILogger logger)
    {
        Options = options;
        _dataSource = dataSource;
        _listenSource = listenSource;
        _logger = logger;
        _listener = new JobEndListener(listenSource, logger);
        Ledger = new PostgresJobLedger(this);
    }

    public PostgresStoreOptions Options { get; }

    /// <summary>The write side of delivery on these records, for a queue that uses them (RabbitMQ).</summary>
    public PostgresJobLedger Ledger { get; }

    internal NpgsqlDataSource DataSource => _dataSource;

    internal ILogger Logger => _logger;

    internal JobEndListener Listener => _listener;

    /// <summary>Connects, applies the migrations (idempotent, serialized by an advisory lock) and starts listening for job ends.</summary>
    public static async Task<PostgresStore> OpenAsync(PostgresStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<PostgresStore>();
        var builder = new NpgsqlDataSourceBuilder(PgConnectionString.Normalize(options.ConnectionString));
        var dataSource = builder.Build();
        try
        {
            await Migrations.ApplyAsync(dataSource, cancellationToken);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException)
        {
            await dataSource.DisposeAsync();
            throw new StoreUnavailableException($"PostgreSQL does not answer: {ex.Message}", ex);
        }
        catch
        {
            await dataSource.DisposeAsync();
            throw;
        }
        // The LISTEN connection keeps session state (its subscriptions), which pooled connections
        // no longer shed on return (No Reset On Close): it gets a data source of its own, unpooled.
        var listen = new NpgsqlDataSourceBuilder(PgConnectionString.Normalize(options.ConnectionString));
        listen.ConnectionStringBuilder.Pooling = false;
        var store = new PostgresStore(options, dataSource, listen.Build(), logger);
        store._listener.Start();
        return store;
    }

    public string Name => "store";

    /// <summary>Ready when a query answers within the command timeout.</summary>
    public async Task<Readiness> CheckAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await using var command = _dataSource.CreateCommand("SELECT 1");
            await command.ExecuteScalarAsync(timeout.Token);
            return new Readiness(true, "postgresql");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return new Readiness(false, $"postgresql does not answer: {ex.Message}");
        }
    }

    /// <summary>Runs <paramref name="work"/> and maps a dead or failing database to <see cref="StoreUnavailableException"/> (503).</summary>
    internal static async Task<T> Guard<T>(Func<Task<T>> work)
    {
        try
        {
            return await work();
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException && ex is not PostgresException { SqlState: "23505" })
        {
            throw new StoreUnavailableException($"PostgreSQL could not confirm the write: {ex.Message}", ex);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _listener.DisposeAsync();
        await _listenSource.DisposeAsync();
        await _dataSource.DisposeAsync();
    }
}
