using System.Text.Json;
using Fjord.Core.Functions;
using Fjord.Core.Queue;
using Fjord.Core.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker;

/// <summary>
/// The node's worker side (Sidekiq's Launcher/Manager): keeps one <see cref="FunctionPool"/> per
/// deployed function in step with the store. A changed spec or bundle drains the old pool and
/// starts a new one; a removed function's pool is drained and dropped.
/// </summary>
public sealed partial class WorkerHost : IHostedService, IWorkerStatus, IAsyncDisposable
{
    private readonly IJobQueue _queue;
    private readonly IFunctionStore _functions;
    private readonly WorkerOptions _options;
    private readonly ILogger _logger;
    private readonly BundleCache _bundles;
    private readonly Images.ImageCache _images;
    private long _lastImageSweep;
    private readonly Scaling.PoolScaler _scaler;
    private readonly Dictionary<string, (FunctionPool Pool, string Fingerprint)> _pools = [];
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;
    private volatile IReadOnlyDictionary<string, PoolStatus> _statusView = new Dictionary<string, PoolStatus>();

    public WorkerHost(IJobQueue queue, IFunctionStore functions, WorkerOptions options, ILogger<WorkerHost> logger)
    {
        _queue = queue;
        _functions = functions;
        _options = options;
        _logger = logger;
        _bundles = new BundleCache(functions, options.BundleDir, options.MaxBundleUnpackedBytes);
        _images = new Images.ImageCache(functions as IImageStore, options.ImageDir ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(options.BundleDir))!, "images"), logger, Nudge);
        _scaler = new Scaling.PoolScaler(PoolList, options, logger);
    }

    private List<FunctionPool> PoolList()
    {
        lock (_pools)
            return _pools.Values.Select(p => p.Pool).ToList();
    }

    public string Node => _options.Node;

    /// <summary>Bytes the image cache holds on this node's disk (reported in the heartbeat); null before the first count.</summary>
    public long? ImageCacheBytes => _images.DiskBytes;

    public IReadOnlyDictionary<string, PoolStatus> Pools
    {
        get
        {
            lock (_pools)
            {
                var view = new Dictionary<string, PoolStatus>(_pools.Count);
                foreach (var (name, entry) in _pools)
                    view[name] = entry.Pool.Status;
                return view;
            }
        }
    }

    /// <summary>Re-read the deployed functions now (after a deploy through this process).</summary>
    public void Nudge()
    {
        if (_nudge.CurrentCount == 0)
        {
            try
            {
                _nudge.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await ReconcileAsync(cancellationToken);
        _scaler.Start();
        _loop = Task.Run(() => LoopAsync(_stop.Token), CancellationToken.None);
    }

    private async Task LoopAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await _nudge.WaitAsync(_options.ReconcileInterval, stop);
                await ReconcileAsync(stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                LogReconcileFailed(_logger, ex);
            }
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var deployed = await _functions.ListFunctionsAsync(cancellationToken);
        var wanted = new Dictionary<string, FunctionSpec>();
        foreach (var state in deployed)
        {
            if (_options.Functions is null || _options.Functions.Contains(state.Spec.Name))
                wanted[state.Spec.Name] = state.Spec;
        }

        var secretVersions = await SecretVersionsAsync(wanted.Values, cancellationToken);
        List<FunctionPool> retired = [];
        foreach (var (name, spec) in wanted)
        {
            // Triggers are the gateways' business: changing one does not restart the function's processes.
            var fingerprint = JsonSerializer.Serialize((spec with { Triggers = [] }).ToDocument()) + SecretFingerprint(spec, secretVersions);
            if (_pools.TryGetValue(name, out var existing) && existing.Fingerprint == fingerprint)
                continue;

            string? folder = null;
            if (spec.Bundle is { } hash)
            {
                try
                {
                    folder = await _bundles.EnsureAsync(hash, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Without its code the function cannot run here; its jobs wait in the queue.
                    LogBundleFailed(_logger, name, ex);
                    continue;
                }
            }

            Fjord.Core.Images.ImageRoot? image = null;
            if (spec.Image is { } digest)
            {
                // Fetched beside this loop: a big image does not hold up other pools. Its jobs wait
                // in the queue meanwhile; the fetch's end nudges a reconcile that starts the pool.
                image = _images.TryGet(digest);
                if (image is null)
                    continue;
            }

            if (existing.Pool is not null)
                retired.Add(existing.Pool);
            var pool = new FunctionPool(spec, folder, _queue, _options, _logger) { Image = image };
            lock (_pools)
                _pools[name] = (pool, fingerprint);
            LogPoolStarted(_logger, name, spec.MinConcurrency, spec.Concurrency, spec.Mode.ToString().ToLowerInvariant());
        }

        foreach (var name in _pools.Keys.ToList())
        {
            if (wanted.ContainsKey(name))
                continue;
            lock (_pools)
            {
                retired.Add(_pools[name].Pool);
                _pools.Remove(name);
            }
            _options.Metrics?.Forget(name);
            LogPoolStopped(_logger, name);
        }

        // Old pools drain in the background: their running jobs finish while the new pool
        // already takes new ones.
        foreach (var pool in retired)
            _ = pool.DisposeAsync().AsTask();

        // New pools get their first size now: min processes warm ahead of the first job.
        await _scaler.TickAsync(cancellationToken);
        await SweepImagesAsync(wanted.Values, cancellationToken);
    }

    /// <summary>Now and then, drops cached images the store no longer holds (see Images/ImageCache).</summary>
    private async Task SweepImagesAsync(IEnumerable<FunctionSpec> wanted, CancellationToken cancellationToken)
    {
        var now = Environment.TickCount64;
        if (_lastImageSweep != 0 && now - _lastImageSweep < _options.ImageSweepInterval.TotalMilliseconds)
            return;
        _lastImageSweep = now;
        HashSet<string> inUse = [.. wanted.Select(s => s.Image).OfType<string>()];
        lock (_pools)
            inUse.UnionWith(_pools.Values.Select(p => p.Pool.Spec.Image).OfType<string>());
        try
        {
            await _images.SweepAsync(inUse, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or StoreUnavailableException)
        {
            LogReconcileFailed(_logger, ex);
        }
    }

    /// <summary>name → version of every stored secret, read only when a wanted function names one.</summary>
    private async Task<Dictionary<string, long>> SecretVersionsAsync(IEnumerable<FunctionSpec> specs, CancellationToken cancellationToken)
    {
        if (_options.Secrets is not { } secrets || !specs.Any(s => s.Secrets.Count > 0))
            return [];
        var listed = await secrets.ListSecretsAsync(cancellationToken);
        return listed.ToDictionary(s => s.Name, s => s.Version, StringComparer.Ordinal);
    }

    /// <summary>
    /// The versions of the secrets a function names: a put or delete changes the pool's fingerprint,
    /// and the pool is replaced like after a redeploy (running jobs finish on the old processes).
    /// </summary>
    private static string SecretFingerprint(FunctionSpec spec, Dictionary<string, long> versions) =>
        spec.Secrets.Count == 0
            ? ""
            : " secrets:" + string.Join(',', spec.Secrets.Select(n => versions.TryGetValue(n, out var v) ? $"{n}={v}" : n + "=none"));

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync();
        await _loop;
        await _scaler.DisposeAsync();
        List<FunctionPool> pools;
        lock (_pools)
        {
            pools = _pools.Values.Select(p => p.Pool).ToList();
            _pools.Clear();
        }
        await Task.WhenAll(pools.Select(p => p.StopAsync(_options.DrainGrace)));
        foreach (var pool in pools)
            await pool.DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
            await StopAsync(CancellationToken.None);
        _stop.Dispose();
        _nudge.Dispose();
    }

    [LoggerMessage(EventId = 130, Level = LogLevel.Information, Message = "Pool {Function} started: {Min}..{Max} {Mode} process(es)")]
    private static partial void LogPoolStarted(ILogger logger, string function, int min, int max, string mode);

    [LoggerMessage(EventId = 131, Level = LogLevel.Information, Message = "Pool {Function} stopped: function removed")]
    private static partial void LogPoolStopped(ILogger logger, string function);

    [LoggerMessage(EventId = 132, Level = LogLevel.Error, Message = "Bundle of {Function} could not be unpacked; its jobs wait")]
    private static partial void LogBundleFailed(ILogger logger, string function, Exception exception);

    [LoggerMessage(EventId = 133, Level = LogLevel.Error, Message = "Reading the deployed functions failed")]
    private static partial void LogReconcileFailed(ILogger logger, Exception exception);
}
