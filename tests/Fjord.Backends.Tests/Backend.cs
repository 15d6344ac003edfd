using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Queue.RabbitMq;
using Fjord.Storage.Postgres;
using Fjord.Storage.Sqlite;
using Fjord.Tests.Shared;
using Npgsql;

namespace Fjord.Backends.Tests;

/// <summary>One backend under test: a queue and the stores beside it, on fresh data, removed after.</summary>
public abstract class Backend : IAsyncDisposable
{
    public static readonly TimeSpan Lease = TimeSpan.FromSeconds(2);

    public abstract IJobQueue Queue { get; }
    public abstract IJobStore Jobs { get; }
    public abstract IFunctionStore Functions { get; }
    public abstract IJobMonitor Monitor { get; }
    public abstract IKeyStore Keys { get; }
    public abstract IDeadLetters DeadLetters { get; }
    public abstract ICallbackOutbox Callbacks { get; }
    public abstract ISecretStore Secrets { get; }
    public abstract IScheduleStore Schedules { get; }

    /// <summary>Moves every idempotency key's stamp back by <paramref name="by"/>, as if that much time had passed.</summary>
    public abstract Task AgeIdempotencyKeysAsync(TimeSpan by);

    /// <summary>Every byte the backend keeps for <paramref name="secret"/>'s row, as an attacker with a copy of the store would read it.</summary>
    public abstract Task<byte[]> RawStoredBytesAsync(string secret);

    /// <summary>
    /// Makes every write that ends an attempt fail as the store's own failure would (the
    /// embedded file full, the database refusing with disk_full) until the returned handle is
    /// disposed. Completions must then carry a result of <see cref="Jobs.LargeResult"/> bytes.
    /// </summary>
    public abstract Task<IAsyncDisposable> FailCompletionsAsync();

    public abstract ValueTask DisposeAsync();
}

/// <summary>Undoes a fault when disposed.</summary>
internal sealed class Undo(Func<Task> undo) : IAsyncDisposable
{
    public async ValueTask DisposeAsync() => await undo();
}

/// <summary>A backend whose one store holds every record (the queue beside it, or in it: SQLite, Redis).</summary>
internal abstract class OneStoreBackend<TStore>(TStore store) : Backend
    where TStore : IJobStore, IFunctionStore, IJobMonitor, IKeyStore, IDeadLetters, ICallbackOutbox, ISecretStore, IScheduleStore
{
    public TStore Store { get; } = store;

    public override IJobQueue Queue => Store as IJobQueue ?? throw new InvalidOperationException("this backend's queue is not its store");
    public override IJobStore Jobs => Store;
    public override IFunctionStore Functions => Store;
    public override IJobMonitor Monitor => Store;
    public override IKeyStore Keys => Store;
    public override IDeadLetters DeadLetters => Store;
    public override ICallbackOutbox Callbacks => Store;
    public override ISecretStore Secrets => Store;
    public override IScheduleStore Schedules => Store;
}

internal sealed class SqliteBackend : OneStoreBackend<SqliteStore>
{
    private readonly string _folder;

    private SqliteBackend(string folder, SqliteStore store)
        : base(store)
    {
        _folder = folder;
    }

    public static async Task<Backend> CreateAsync()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fjord-backend-" + Guid.NewGuid().ToString("N"));
        var store = await SqliteStore.OpenAsync(new SqliteStoreOptions
        {
            Path = Path.Combine(folder, "fjord.db"),
            LeaseDuration = Lease,
            ReapInterval = TimeSpan.FromMilliseconds(200),
        }, CancellationToken.None);
        return new SqliteBackend(folder, store);
    }

    public string DatabasePath => Path.Combine(_folder, "fjord.db");

    /// <summary>A second connection to the file: SQLite (WAL) lets it write beside the store's writer.</summary>
    public override async Task AgeIdempotencyKeysAsync(TimeSpan by)
    {
        await using var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Pooling=false");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "UPDATE idempotency SET created_at = created_at - $by";
        command.Parameters.AddWithValue("$by", (long)by.TotalMilliseconds);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The whole SQLite file and its WAL: a sealed value must not be readable anywhere in them.</summary>
    public override async Task<byte[]> RawStoredBytesAsync(string secret)
    {
        using var all = new MemoryStream();
        foreach (var file in Directory.GetFiles(_folder).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            await using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            await stream.CopyToAsync(all);
        }
        return all.ToArray();
    }

    /// <summary>The file may not grow: a completion carrying a large result cannot be written (SQLITE_FULL).</summary>
    public override async Task<IAsyncDisposable> FailCompletionsAsync()
    {
        var pages = await Store.RunWriterPragmaAsync("PRAGMA page_count");
        await Store.RunWriterPragmaAsync($"PRAGMA max_page_count = {pages}");
        return new Undo(() => Store.RunWriterPragmaAsync("PRAGMA max_page_count = 1073741823"));
    }

    public override async ValueTask DisposeAsync()
    {
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>RabbitMQ + PostgreSQL: a fresh database per test on the private cluster, and the private broker node.</summary>
internal sealed class RabbitPostgresBackend : OneStoreBackend<PostgresStore>
{
    private readonly string _database;
    private readonly RabbitMqQueue _queue;

    private RabbitPostgresBackend(string database, string connectionString, PostgresStore store, RabbitMqQueue queue)
        : base(store)
    {
        _database = database;
        ConnectionString = connectionString;
        _queue = queue;
    }

    public static async Task<RabbitPostgresBackend> CreateAsync(string? brokerUri = null, TimeSpan? inlineClaim = null)
    {
        var (database, connectionString) = await Databases.CreateAsync();
        var store = await PostgresStore.OpenAsync(new PostgresStoreOptions
        {
            ConnectionString = connectionString,
            LeaseDuration = Lease,
            InlinePublishClaim = inlineClaim ?? TimeSpan.FromSeconds(10),
        }, CancellationToken.None);
        var queue = await RabbitMqQueue.StartAsync(new RabbitMqQueueOptions
        {
            BrokerUri = brokerUri ?? Services.BrokerUri,
            RelayInterval = TimeSpan.FromMilliseconds(200),
            Heartbeat = TimeSpan.FromSeconds(2),
        }, store.Ledger, CancellationToken.None);
        return new RabbitPostgresBackend(database, connectionString, store, queue);
    }

    /// <summary>This test's own database, for seeding rows the API would take long to make.</summary>
    public string ConnectionString { get; }

    public RabbitMqQueue Rabbit => _queue;

    public override IJobQueue Queue => _queue;

    public override Task AgeIdempotencyKeysAsync(TimeSpan by) =>
        ExecuteAsync($"UPDATE idempotency SET created_at = created_at - {(long)by.TotalMilliseconds}");

    /// <summary>The row as a dump would hold it (every column, as text).</summary>
    public override async Task<byte[]> RawStoredBytesAsync(string secret)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT s::text, sealed FROM secrets s WHERE name = $1", connection) { Parameters = { new() { Value = secret } } };
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        return [.. System.Text.Encoding.UTF8.GetBytes(reader.GetString(0)), .. (byte[])reader.GetValue(1)];
    }

    /// <summary>A trigger refuses every attempt record with SQLSTATE disk_full, as a full data volume would.</summary>
    public override async Task<IAsyncDisposable> FailCompletionsAsync()
    {
        await ExecuteAsync("""
            CREATE FUNCTION test_disk_full() RETURNS trigger LANGUAGE plpgsql AS
                $$ BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END $$;
            CREATE TRIGGER test_disk_full BEFORE INSERT ON attempts FOR EACH ROW EXECUTE FUNCTION test_disk_full();
            """);
        return new Undo(() => ExecuteAsync("DROP TRIGGER test_disk_full ON attempts; DROP FUNCTION test_disk_full();"));
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public override async ValueTask DisposeAsync()
    {
        await _queue.DisposeAsync();
        await Store.DisposeAsync();
        await Databases.DropAsync(_database);
    }
}

/// <summary>A fresh database per test on the private cluster.</summary>
internal static class Databases
{
    public static async Task<(string Name, string ConnectionString)> CreateAsync()
    {
        var name = "fjord_" + Guid.NewGuid().ToString("N")[..12];
        var admin = PgConnectionString.Normalize(Services.StoreUri);
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await command.ExecuteNonQueryAsync();
        }
        var builder = new NpgsqlConnectionStringBuilder(admin) { Database = name };
        return (name, builder.ConnectionString);
    }

    public static async Task DropAsync(string name)
    {
        await using var connection = new NpgsqlConnection(PgConnectionString.Normalize(Services.StoreUri));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }
}
