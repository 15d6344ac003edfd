using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Runtime;
using Fjord.Storage.Sqlite;
using Fjord.Tests.Shared;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker.Tests.Scaling;

/// <summary>
/// A real SQLite store and a real <see cref="WorkerHost"/> running real python processes in the
/// real sandbox: each function has its own handler folder, and its processes are found by that
/// folder on their bubblewrap command line.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal sealed class ElasticNode : IAsyncDisposable
{
    private const UnixFileMode Open = (UnixFileMode)0b111_101_101;
    private const string Handler = """
        import time

        def handle(payload, context):
            time.sleep(float(payload or b"0"))
            return b"ok"
        """;

    private readonly string _dir = Directory.CreateTempSubdirectory("fjord-elastic-").FullName;

    public SqliteStore Store { get; private set; } = null!;

    public WorkerHost Host { get; private set; } = null!;

    /// <summary>What the worker and the runners logged (scale events, process starts), for failure messages.</summary>
    public LogLines Log { get; } = new();

    public static async Task<ElasticNode> StartAsync(int? maxProcesses = null)
    {
        var node = new ElasticNode();
        File.SetUnixFileMode(node._dir, Open);
        node.Store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(node._dir, "fjord.db") }, CancellationToken.None);
        var runtime = new RuntimeOptions { TempRoot = Path.Combine(node._dir, "tmp"), Logger = node.Log };
        node.Host = new WorkerHost(node.Store, node.Store, new WorkerOptions
        {
            Node = "elastic-test",
            BundleDir = Path.Combine(node._dir, "bundles"),
            CreateRunner = (spec, _) => RunnerFactory.Create(spec, node.Folder(spec.Name), runtime),
            Backlog = node.Store,
            MaxProcesses = maxProcesses,
            ScaleInterval = TimeSpan.FromMilliseconds(50),
            ReconcileInterval = TimeSpan.FromMilliseconds(100),
            DrainGrace = TimeSpan.FromSeconds(2),
        }, node.Log);
        await node.Host.StartAsync(CancellationToken.None);
        return node;
    }

    public string Folder(string function) => Path.Combine(_dir, "fn-" + function);

    /// <param name="loadSeconds">How long the handler takes to load: a process is that long starting before it is warm.</param>
    public async Task DeployAsync(string name, int min, int max, string idleTimeout = "300ms", string targetWait = "100ms", double loadSeconds = 0)
    {
        var folder = Folder(name);
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, Open);
        var handler = Path.Combine(folder, "handler.py");
        await File.WriteAllTextAsync(handler, Handler + string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\ntime.sleep({loadSeconds})\n"));
        File.SetUnixFileMode(handler, (UnixFileMode)0b110_100_100);
        var spec = FunctionSpec.Parse(name, new FunctionDocument
        {
            Runtime = "python",
            Handler = "handler.py",
            Concurrency = new ConcurrencyDocument { Min = min, Max = max },
            IdleTimeout = idleTimeout,
            TargetWait = targetWait,
            MaxAttempts = 1,
        }, [])!;
        await Store.PutFunctionAsync(spec, CancellationToken.None);
        Host.Nudge();
    }

    public async Task<string[]> EnqueueAsync(string function, int count, string seconds, DateTimeOffset? runAt = null)
    {
        var jobs = Enumerable.Range(0, count).Select(_ => new NewJob
        {
            Id = JobId.New(),
            Function = function,
            Payload = Encoding.UTF8.GetBytes(seconds),
            MaxAttempts = 1,
            CreatedAt = DateTimeOffset.UtcNow,
            RunAt = runAt,
        }).ToList();
        return [.. (await Store.EnqueueAsync(jobs, CancellationToken.None)).Select(r => r.Id)];
    }

    public async Task<JobRecord> WaitForEndAsync(string id, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var job = await Store.GetJobAsync(id, CancellationToken.None);
            if (job is { Status: JobStatus.Succeeded or JobStatus.Failed or JobStatus.Canceled })
                return job;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"job {id} is still {job?.Status}");
            await Task.Delay(20);
        }
    }

    public int Workers(string function) => Host.Pools.TryGetValue(function, out var pool) ? pool.Workers : 0;

    /// <summary>
    /// Host pids of the function's processes: bubblewrap processes with its folder on their
    /// command line that this process started.
    /// Several functions are counted in one pass over /proc, so their sum is one moment's.
    /// </summary>
    public IReadOnlyList<int> Processes(params string[] functions)
    {
        var markers = functions.Select(Folder).ToArray();
        // This process starts each one; bubblewrap's own child (same command line) and one orphaned
        // for the few milliseconds it outlives a killed parent have other parents.
        return [.. ProcScan.Processes(cmdline => markers.Any(m => cmdline.Contains(m, StringComparison.Ordinal)))
            .Where(p => p.State != 'Z' && p.Parent == Environment.ProcessId).Select(p => p.Pid)];
    }

    /// <summary>The process table, for a failure message.</summary>
    public static string Ps()
    {
        using var ps = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ps", ["-eo", "pid,ppid,stat,args"]) { RedirectStandardOutput = true })!;
        var text = ps.StandardOutput.ReadToEnd();
        ps.WaitForExit();
        return string.Join('\n', text.Split('\n').Where(l => l.Contains("fjord-elastic", StringComparison.Ordinal)));
    }

    public static bool Alive(int pid)
    {
        try
        {
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone, or reaped while we read (ESRCH): not alive.
            return false;
        }
    }

    public static Task Until(Func<bool> condition, TimeSpan within, string what) => Until(condition, within, () => what);

    /// <summary>Waits for <paramref name="condition"/>; the failure message is made at the timeout, so a log in it is the log by then.</summary>
    public static async Task Until(Func<bool> condition, TimeSpan within, Func<string> what)
    {
        var deadline = DateTime.UtcNow + within;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException(what());
            await Task.Delay(20);
        }
    }

    /// <summary>True once the runner has logged the process <paramref name="pid"/> as loaded and ready (warm).</summary>
    public bool Warm(int pid) => Log.ToString().Contains($" started, pid {pid} ", StringComparison.Ordinal);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
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

/// <summary>Every log line, timestamped, kept in memory.</summary>
internal sealed class LogLines : ILogger<WorkerHost>
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _lines = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _lines.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {formatter(state, exception)} {exception?.Message}");

    public override string ToString() => string.Join('\n', _lines);
}
