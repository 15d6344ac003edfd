using Fjord.Cli.Up;
using Fjord.Core.Nodes;
using Fjord.Core.Secrets;
using Fjord.Core.Storage;
using Fjord.Runtime;
using Fjord.Worker;
using Fjord.Worker.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Trace;

namespace Fjord.Cli.Roles;

/// <summary>
/// The one composition of a node, shared by `fjord up`, `fjord gateway` and `fjord worker`: its data
/// folder, name, logging and tracing; for a node that runs functions, the sandbox, the runtime and the
/// worker's options; its heartbeat; and the wait-then-drain that ends every role. The roles keep only
/// what differs between them (which store and queue, which HTTP surface).
/// </summary>
internal sealed class NodeComposition : IDisposable
{
    private readonly TracerProvider? _tracing;
    private InterpreterVersions? _interpreters;

    private NodeComposition(string role, string name, string dataDir)
    {
        Role = role;
        Name = name;
        DataDir = dataDir;
        _tracing = Tracing.StartIfConfigured(role, name);
        LoggerFactory = CreateLoggerFactory();
        Logger = LoggerFactory.CreateLogger("fjord");
    }

    /// <summary>up, gateway or worker: the role in node reports and traces.</summary>
    public string Role { get; }

    /// <summary>The node's name in job records, metrics and the dashboard.</summary>
    public string Name { get; }

    /// <summary>The data folder, absolute, created 0700 when missing.</summary>
    public string DataDir { get; }

    public ILoggerFactory LoggerFactory { get; }

    public ILogger Logger { get; }

    /// <summary>The doctor's non-blocking failures met at start (logged as warnings), e.g. little free disk.</summary>
    public IReadOnlyList<Doctor.DoctorCheck> Warnings { get; private init; } = [];

    /// <param name="name">The operator's --node; null or blank names the node after the host.</param>
    /// <param name="port">The HTTP port the node will listen on, checked before anything starts; null for none.</param>
    /// <param name="minFreeBytes">The data folder's free-space floor below which the start warns.</param>
    public static NodeComposition Open(string role, string dataDir, string? name = null, (string Host, int Port)? port = null, long minFreeBytes = Doctor.NodeChecks.MinFreeBytes)
    {
        var fullPath = Path.GetFullPath(dataDir);
        // The first blocking check of `fjord doctor`, as one line with its fix, instead of a failure
        // halfway through the start; the non-blocking ones (little free disk) are logged below.
        var warnings = Doctor.NodeChecks.StopAtFirstBlockingFailure(Preflight(fullPath, port, minFreeBytes));
        PrivateFiles.CreateFolder(fullPath);
        var node = new NodeComposition(role, string.IsNullOrWhiteSpace(name) ? NodeName.Default() : name, fullPath) { Warnings = warnings };
        foreach (var warning in warnings)
            NodeCompositionLog.Preflight(node.Logger, warning.Line);
        return node;
    }

    private static IEnumerable<Doctor.DoctorCheck> Preflight(string dataDir, (string Host, int Port)? port, long minFreeBytes)
    {
        yield return Doctor.NodeChecks.DataFolder(dataDir, minFreeBytes);
        if (port is { Port: > 0 } listen)
            yield return Doctor.NodeChecks.Port(listen.Host, listen.Port);
    }

    public static ILoggerFactory CreateLoggerFactory() => Microsoft.Extensions.Logging.LoggerFactory.Create(b => b
        .AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; })
        .SetMinimumLevel(LogLevel.Information)
        .AddFilter("Microsoft", LogLevel.Warning)
        .AddFilter("System", LogLevel.Warning));

    /// <summary>
    /// What a node that runs functions needs before its worker starts: the probed sandbox (fail-closed,
    /// see <see cref="NodeSandbox"/>), one metrics registry and the runtime's options.
    /// </summary>
    public FunctionParts OpenFunctions(SandboxArguments sandboxArgs, ISecretReader? secrets)
    {
        var registry = Prometheus.Metrics.NewCustomRegistry();
        var jobMetrics = new JobMetrics(registry);
        var sandbox = NodeSandbox.Open(sandboxArgs, DataDir, Logger);
        if (sandbox.Status.Complete && sandbox.Status.Warning is { } warning)
            NodeCompositionLog.SandboxUnavailable(Logger, warning);
        var runtime = new RuntimeOptions
        {
            Host = sandbox,
            HostNetwork = sandboxArgs.AllowHostNetwork,
            CpuCores = sandboxArgs.DefaultCpu,
            TempRoot = Path.Combine(DataDir, "tmp"),
            // A single-file binary carries the shims inside and writes them out here.
            RuntimesDir = Fjord.Runtime.Shims.EmbeddedShims.Locate(Path.Combine(DataDir, "runtimes")),
            Logger = LoggerFactory.CreateLogger("Fjord.Runtime"),
            Secrets = secrets,
            ColdStart = jobMetrics.ColdStart,
        };
        // Once per process, in the background: the heartbeat reports them when they are in.
        _interpreters = InterpreterVersions.Start(runtime);
        return new FunctionParts(sandbox, registry, jobMetrics, runtime);
    }

    /// <summary>The worker's options every function-running role shares; a role adds its own with <c>with</c>.</summary>
    public WorkerOptions WorkerOptions(FunctionParts functions, long maxBundleUnpackedBytes, ISecretStore secretStore) => new()
    {
        Node = Name,
        BundleDir = Path.Combine(DataDir, "bundles"),
        MaxBundleUnpackedBytes = maxBundleUnpackedBytes,
        CreateRunner = (spec, folder) => RunnerFactory.Create(spec, folder, functions.Runtime),
        CreateImageRunner = (spec, image) => RunnerFactory.Create(spec, null, functions.Runtime, image),
        ImageDir = Fjord.Worker.Images.ImageCacheFolder.For(DataDir),
        RenewInterval = Tuning.LeaseDuration / 3,
        DrainGrace = Tuning.DrainGrace,
        Secrets = secretStore,
        Metrics = functions.JobMetrics,
    };

    /// <summary>Registers the worker (its pools, its status for the heartbeat and the API) in a host.</summary>
    public static void AddWorker(IServiceCollection services, WorkerOptions options)
    {
        services.AddSingleton(options);
        services.AddSingleton<WorkerHost>();
        services.AddSingleton<IWorkerStatus>(sp => sp.GetRequiredService<WorkerHost>());
        services.AddHostedService(sp => sp.GetRequiredService<WorkerHost>());
    }

    /// <summary>Starts this node's heartbeat; <paramref name="workers"/> is null for a node without pools.</summary>
    public NodeHeartbeat StartHeartbeat(INodeStore store, IWorkerStatus? workers) =>
        NodeReporting.Start(store, Name, Role, DataDir, workers, LoggerFactory, _interpreters);

    /// <summary>
    /// Runs until <paramref name="cancellationToken"/> fires (Ctrl+C / SIGTERM, or systemd's KillSignal),
    /// then drains: the host stops its listeners first, then its workers finish running jobs within
    /// the drain grace. What the role opened before the host (store, queue) closes after, by its
    /// <c>await using</c>.
    /// </summary>
    public static async Task<int> WaitThenDrainAsync(IHost host, string? drainingLine, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
        if (drainingLine is not null)
            Console.Out.WriteLine(drainingLine);
        await host.StopAsync(CancellationToken.None);
        return ExitCodes.Success;
    }

    /// <summary>The startup line's marker of a node that runs functions without the sandbox.</summary>
    public static string SandboxMark(Sandbox sandbox) => sandbox.Status.Complete ? "" : "  UNSANDBOXED";

    public void Dispose()
    {
        LoggerFactory.Dispose();
        _tracing?.Dispose();
    }
}

/// <summary>The parts of a node that runs functions, opened by <see cref="NodeComposition.OpenFunctions"/>.</summary>
internal sealed record FunctionParts(Sandbox Sandbox, Prometheus.CollectorRegistry Registry, JobMetrics JobMetrics, RuntimeOptions Runtime);

internal static partial class NodeCompositionLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Warning, Message = "Function processes are not fully contained: {Reason}")]
    public static partial void SandboxUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "doctor: {Check}")]
    public static partial void Preflight(ILogger logger, string check);
}
