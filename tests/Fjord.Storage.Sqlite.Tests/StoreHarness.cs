using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Queue;
using Microsoft.Data.Sqlite;

namespace Fjord.Storage.Sqlite.Tests;

/// <summary>A store on a real file in a temp folder, with a hand-moved clock and quick reaper ticks.</summary>
internal sealed class StoreHarness : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(15);

    private readonly TempFolder _folder = new();

    private StoreHarness()
    {
    }

    public ManualTime Time { get; } = new();

    public SqliteStore Store { get; private set; } = null!;

    public string DbPath => Path.Combine(_folder.Path, "data", "fjord.db");

    public SqliteStoreOptions Options => new()
    {
        Path = DbPath,
        Time = Time,
        LeaseDuration = TimeSpan.FromSeconds(30),
        ReapInterval = TimeSpan.FromMilliseconds(50),
    };

    public static async Task<StoreHarness> OpenAsync(Func<SqliteStoreOptions, SqliteStoreOptions>? change = null)
    {
        var harness = new StoreHarness();
        harness.Store = await SqliteStore.OpenAsync(change is null ? harness.Options : change(harness.Options), CancellationToken.None);
        return harness;
    }

    /// <summary>Closes the store and opens the same file again (a restart), with <paramref name="change"/> to its options.</summary>
    public async Task ReopenAsync(Func<SqliteStoreOptions, SqliteStoreOptions>? change = null)
    {
        await Store.DisposeAsync();
        Store = await SqliteStore.OpenAsync(change is null ? Options : change(Options), CancellationToken.None);
    }

    public NewJob Job(string function = "f", string payload = "x", string? key = null, DateTimeOffset? runAt = null, int maxAttempts = 3, bool sync = false) => new()
    {
        Id = JobId.New(),
        Function = function,
        Payload = System.Text.Encoding.UTF8.GetBytes(payload),
        ContentType = "text/plain",
        MaxAttempts = maxAttempts,
        CreatedAt = Time.GetUtcNow(),
        RunAt = runAt,
        IdempotencyKey = key,
        Sync = sync,
    };

    public async Task<string> EnqueueAsync(string function = "f", string payload = "x", DateTimeOffset? runAt = null, int maxAttempts = 3)
    {
        var result = await Store.EnqueueAsync([Job(function, payload, runAt: runAt, maxAttempts: maxAttempts)], CancellationToken.None);
        return result[0].Id;
    }

    public Task<IJobLease> FetchAsync(string function = "f", CancellationToken cancellationToken = default) =>
        Store.FetchAsync(function, "node-a", cancellationToken).WaitAsync(Patience, cancellationToken);

    public static FunctionSpec Spec(string name = "f", int maxQueueDepth = 100_000, TimeSpan? maxAge = null) => new()
    {
        Name = name,
        Runtime = FunctionRuntime.Exec,
        Command = ["/bin/cat"],
        MaxQueueDepth = maxQueueDepth,
        MaxAge = maxAge,
    };

    public AttemptOutcome Success(string result = "ok", string log = "") =>
        AttemptOutcome.Success(System.Text.Encoding.UTF8.GetBytes(result), "text/plain", log, Time.GetUtcNow());

    public AttemptOutcome Failure(string message = "boom", string log = "") =>
        AttemptOutcome.Failure(new JobError(ErrorKind.Exit, message, 3), log, Time.GetUtcNow());

    /// <summary>Counts rows straight from the file, beside the store (as another reader would).</summary>
    public long Count(string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = DbPath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Asserts a task stays pending for a while (a fetch that must wait).</summary>
    public static async Task AssertStillWaitingAsync(Task task, int milliseconds = 300)
    {
        await Task.WhenAny(task, Task.Delay(milliseconds));
        Assert.False(task.IsCompleted, "expected the call to keep waiting");
    }

    public async ValueTask DisposeAsync()
    {
        if (Store is not null)
            await Store.DisposeAsync();
        _folder.Dispose();
    }
}
