using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Fjord.Storage.Sqlite.Writer;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Storage.Sqlite;

/// <summary>
/// The embedded store: jobs, their queue, functions, bundles and keys in one SQLite file (WAL).
/// Every write goes through one writer thread that group-commits (see <see cref="WriterLoop"/>);
/// reads use pooled read-only connections beside it. A job row is its own queue entry, so a
/// 202 (the enqueue's commit) and the job being fetchable are the same fact.
/// </summary>
public sealed partial class SqliteStore : IJobQueue, IFunctionStore, IJobStore, IJobMonitor, IKeyStore, IReadinessSource, IDeadLetters, ICallbackOutbox, IBacklogSource, IAsyncDisposable
{
    private readonly SqliteStoreOptions _options;
    private readonly LockFile _lock;
    private readonly SqliteConnection _writerConnection;
    private readonly Statements _statements;
    private readonly WriterLoop _writer;
    private readonly EndWaiters _waiters;
    private readonly string _readConnectionString;
    private int _disposed;

    private SqliteStore(SqliteStoreOptions options, LockFile lockFile, SqliteConnection writerConnection, Statements statements, WriterLoop writer, EndWaiters waiters)
    {
        _options = options;
        _lock = lockFile;
        _writerConnection = writerConnection;
        _statements = statements;
        _writer = writer;
        _waiters = waiters;
        _readConnectionString = Schema.ReadConnectionString(options.Path);
    }

    /// <summary>
    /// Opens (or creates) the file, takes the process lock, and takes back every job a previous
    /// process left running (it crashed or was killed: each such attempt is recorded as lost).
    /// </summary>
    /// <exception cref="InvalidOperationException">Another process holds the data folder.</exception>
    public static Task<SqliteStore> OpenAsync(SqliteStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Path);
        if (options.LeaseDuration <= TimeSpan.Zero || options.ReapInterval <= TimeSpan.Zero)
            throw new ArgumentException("LeaseDuration and ReapInterval must be positive", nameof(options));
        cancellationToken.ThrowIfCancellationRequested();
        // Opening checks the schema and recovers orphaned jobs: blocking file work, off the caller's thread.
        return Task.Run(() => Open(options), cancellationToken);
    }

    private static SqliteStore Open(SqliteStoreOptions options)
    {
        var path = Path.GetFullPath(options.Path);
        options = options with { Path = path };
        var logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger<SqliteStore>();
        if (Path.GetDirectoryName(path) is { Length: > 0 } folder)
            Directory.CreateDirectory(folder);
        // The file holds every payload and result: 0600 before SQLite first opens it. SQLite
        // creates the -wal and -shm files with the database file's mode; older ones are fixed here.
        PrivateFiles.EnsureFile(path);
        PrivateFiles.RestrictFile(path + "-wal");
        PrivateFiles.RestrictFile(path + "-shm");
        PrivateFiles.EnsureFile(path + ".lock");

        var lockFile = LockFile.Acquire(path);
        SqliteConnection? connection = null;
        Statements? statements = null;
        try
        {
            connection = Schema.OpenWriter(path);
            statements = new Statements(connection);
            var tokens = new LeaseTokens(Schema.Scalar(connection, "SELECT coalesce(max(value), 0) FROM meta WHERE key = 'lease_token'"));
            var context = new WriteContext(statements, options.LeaseDuration, tokens);
            var recovered = StoreOpening.Prepare(connection, context, options.Time);
            foreach (var id in recovered)
                StoreLog.Recovered(logger, id);
            StoreLog.Opened(logger, path, options.Node, recovered.Count);
            if (Schema.Scalar(connection, "PRAGMA auto_vacuum") == 0)
                StoreLog.NoIncrementalVacuum(logger, path);

            var waiters = new EndWaiters();
            var writer = new WriterLoop(context, waiters, options, logger);
            writer.Start();
            return new SqliteStore(options, lockFile, connection, statements, writer, waiters);
        }
        catch
        {
            statements?.Dispose();
            connection?.Dispose();
            lockFile.Dispose();
            throw;
        }
    }

    /// <summary>Test hook: runs a pragma on the writer connection (e.g. max_page_count to fake a full disk).</summary>
    internal Task<long> RunWriterPragmaAsync(string pragma) => _writer.Post(new PragmaOp(pragma));

    /// <summary>Finishes every write already posted, then closes the file and releases the folder lock.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await _writer.StopAsync();
        // Pooled readers first, so the writer's close is the last one and checkpoints the WAL.
        using (var reader = new SqliteConnection(_readConnectionString))
            SqliteConnection.ClearPool(reader);
        _statements.Dispose();
        _writerConnection.Dispose();
        _lock.Dispose();
    }
}
