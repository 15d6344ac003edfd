using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Runtime;
using Fjord.Storage.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Worker.Tests;

/// <summary>A real SQLite store in a fresh folder, and a WorkerHost over it with scripted runners.</summary>
internal sealed class WorkerFixture : IAsyncDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fjord-worker-" + Guid.NewGuid().ToString("N")[..10]);
    private WorkerHost? _host;

    public SqliteStore Store { get; private set; } = null!;

    public ScriptedRunner.Gauge Gauge { get; } = new();

    /// <summary>The one clock of store and worker, as `fjord up` shares one.</summary>
    public TimeProvider Time { get; private set; } = TimeProvider.System;

    public static async Task<WorkerFixture> CreateAsync(TimeProvider? time = null, TimeSpan? lease = null)
    {
        var f = new WorkerFixture { Time = time ?? TimeProvider.System };
        Directory.CreateDirectory(f._dir);
        f.Store = await SqliteStore.OpenAsync(new SqliteStoreOptions
        {
            Path = Path.Combine(f._dir, "fjord.db"),
            Time = f.Time,
            LeaseDuration = lease ?? TimeSpan.FromSeconds(30),
            ReapInterval = lease is null ? TimeSpan.FromSeconds(1) : TimeSpan.FromMilliseconds(200),
        }, CancellationToken.None);
        return f;
    }

    public async Task<FunctionSpec> DeployAsync(string name, int concurrency = 1, int maxAttempts = 3)
    {
        var spec = FunctionSpec.Parse(name, new FunctionDocument
        {
            Runtime = "exec",
            Command = ["true"],
            Concurrency = concurrency,
            MaxAttempts = maxAttempts,
            Backoff = new BackoffDocument { Initial = "50ms", Max = "100ms" },
        }, [])!;
        await Store.PutFunctionAsync(spec, CancellationToken.None);
        return spec;
    }

    public async Task StartAsync(Func<RunRequest, CancellationToken, Task<RunResult>> script, TimeSpan? drainGrace = null, TimeSpan? renewInterval = null)
    {
        _host = new WorkerHost(Store, Store, new WorkerOptions
        {
            Node = "test-node",
            Time = Time,
            BundleDir = Path.Combine(_dir, "bundles"),
            CreateRunner = (_, _) => new ScriptedRunner(Gauge, script),
            DrainGrace = drainGrace ?? TimeSpan.FromSeconds(10),
            RenewInterval = renewInterval ?? TimeSpan.FromMilliseconds(200),
        }, NullLogger<WorkerHost>.Instance);
        await _host.StartAsync(CancellationToken.None);
    }

    public WorkerHost Host => _host ?? throw new InvalidOperationException("not started");

    public async Task<string[]> EnqueueAsync(string function, int count, int maxAttempts = 3)
    {
        var jobs = Enumerable.Range(0, count).Select(i => new NewJob
        {
            Id = JobId.New(),
            Function = function,
            Payload = System.Text.Encoding.UTF8.GetBytes($"p{i}"),
            MaxAttempts = maxAttempts,
            CreatedAt = DateTimeOffset.UtcNow,
        }).ToList();
        var result = await Store.EnqueueAsync(jobs, CancellationToken.None);
        return result.Select(r => r.Id).ToArray();
    }

    public async Task<JobRecord> WaitForEndAsync(string id)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return (await Store.WaitForEndAsync(id, cts.Token))!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
            await _host.DisposeAsync();
        await Store.DisposeAsync();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
