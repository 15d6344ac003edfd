using System.Collections.Concurrent;
using System.Text.Json;
using Fjord.Core.Images;
using Fjord.Core.Storage;
using Microsoft.Extensions.Logging;

namespace Fjord.Worker.Images;

/// <summary>
/// This node's images, ready to run: <c>{root}/archives/</c> (an archive while it is fetched and
/// unpacked), <c>{root}/layers/</c> (the shared, verified <see cref="LayerCache"/>) and
/// <c>{root}/roots/&lt;digest hex&gt;/</c> (the composed <c>rootfs/</c> plus <c>image.json</c>: its
/// config and layer diff ids). Each image is fetched from the store once (streamed to disk, never
/// whole in memory), opened with <see cref="ImageArchive"/> (every blob checked), unpacked and
/// composed in a private temp folder and renamed into place, so a folder under <c>roots/</c> is
/// always complete. Pools of the same image wait on one fetch; the fetch runs beside the reconcile
/// loop, so a 2 GiB image does not hold up other functions' pools.
/// </summary>
// LayerCache and RootComposer use Unix file modes; Fjord's workers run on Linux only (bubblewrap, cgroups).
#pragma warning disable CA1416
internal sealed partial class ImageCache
{
    private readonly IImageStore? _store;
    private readonly string _root;
    private readonly LayerCache _layers;
    private readonly ILogger _logger;
    private readonly Action _ready;
    private readonly ConcurrentDictionary<string, Lazy<Task<ImageRoot>>> _fetches = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failedAt = new(StringComparer.Ordinal);
    private long _diskBytes = -1;
    private readonly Lock _countGate = new();

    /// <param name="ready">Called when a fetch ends (done or failed), so the worker reconciles at once.</param>
    public ImageCache(IImageStore? store, string root, ILogger logger, Action ready)
    {
        _store = store;
        _root = Path.GetFullPath(root);
        _layers = new LayerCache(Path.Combine(_root, "layers"));
        _logger = logger;
        _ready = ready;
    }

    /// <summary>How long a failed fetch waits before it is tried again.</summary>
    public TimeSpan RetryAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes under the cache's folder as of the last compose or sweep; null before the first count.</summary>
    public long? DiskBytes => Interlocked.Read(ref _diskBytes) is >= 0 and var b ? b : null;

    private string RootOf(string digest) => Path.Combine(_root, "roots", Sha256Digest.Hex(digest));

    /// <summary>
    /// The image's root when it is ready on this node; otherwise null, and its fetch is started (once)
    /// if it is not already under way. A failed fetch is logged, and tried again after <see cref="RetryAfter"/>.
    /// </summary>
    public ImageRoot? TryGet(string digest)
    {
        if (ReadReady(digest) is { } ready)
            return ready;
        if (_failedAt.TryGetValue(digest, out var failed) && DateTimeOffset.UtcNow - failed < RetryAfter)
            return null;
        var fetch = _fetches.GetOrAdd(digest, d => new Lazy<Task<ImageRoot>>(() => Task.Run(() => FetchAsync(d))));
        var task = fetch.Value;
        if (!task.IsCompleted)
            return null;
        _fetches.TryRemove(new KeyValuePair<string, Lazy<Task<ImageRoot>>>(digest, fetch));
        return task.IsCompletedSuccessfully ? task.Result : null;
    }

    /// <summary>Waits for the image (fetching it if needed): for callers that can block, such as tests and benches.</summary>
    public async Task<ImageRoot> EnsureAsync(string digest, CancellationToken cancellationToken)
    {
        if (ReadReady(digest) is { } ready)
            return ready;
        var fetch = _fetches.GetOrAdd(digest, d => new Lazy<Task<ImageRoot>>(() => Task.Run(() => FetchAsync(d))));
        return await fetch.Value.WaitAsync(cancellationToken);
    }

    private ImageRoot? ReadReady(string digest)
    {
        var meta = Path.Combine(RootOf(digest), "image.json");
        if (!File.Exists(meta))
            return null;
        var cached = JsonSerializer.Deserialize(File.ReadAllBytes(meta), ImageCacheJson.Default.CachedImage)!;
        return new ImageRoot(Path.Combine(RootOf(digest), "rootfs"), cached.Config);
    }

    private async Task<ImageRoot> FetchAsync(string digest)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        try
        {
            var root = await FetchOnceAsync(digest);
            _failedAt.TryRemove(digest, out _);
            LogReady(_logger, digest, System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            return root;
        }
        catch (Exception e)
        {
            _failedAt[digest] = DateTimeOffset.UtcNow;
            LogFailed(_logger, digest, e);
            throw;
        }
        finally
        {
            _ready();
        }
    }

    private async Task<ImageRoot> FetchOnceAsync(string digest)
    {
        var store = _store ?? throw new InvalidOperationException("this node's store keeps no images");
        var hex = Sha256Digest.Hex(digest);
        var archives = Path.Combine(_root, "archives");
        var roots = Path.Combine(_root, "roots");
        Searchable(_root);
        Searchable(roots);
        Searchable(_layers.Root);
        // The fetched archive is the node's business only.
        Fjord.Core.Storage.PrivateFiles.CreateFolder(archives);
        var archive = Path.Combine(archives, $".{hex}.{Guid.NewGuid():N}.tmp");
        var temp = Path.Combine(roots, $".tmp-{Guid.NewGuid():N}");
        try
        {
            // Streamed from the store's chunks to disk, hashed on the way: the store verified the
            // upload, and this checks the copy that arrived here is the same bytes.
            await using (var source = await store.OpenImageAsync(digest, CancellationToken.None)
                ?? throw new InvalidOperationException($"image {digest} is not in the store"))
            await using (var file = new FileStream(archive, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20, FileOptions.Asynchronous))
            {
                await source.CopyToAsync(file, 1 << 20);
            }
            if (Sha256Digest.OfFile(archive) != digest)
                throw new InvalidImageException($"the copy of image {digest} fetched from the store does not match its digest");

            Searchable(temp);
            using (var image = ImageArchive.Open(archive, archives))
            {
                var layers = _layers.UnpackAll(image);
                RootComposer.Compose(layers, Path.Combine(temp, "rootfs"));
                var meta = new CachedImage(digest, image.ConfigDigest, image.Config, [.. image.Layers.Select(l => l.DiffId)]);
                File.WriteAllBytes(Path.Combine(temp, "image.json"), JsonSerializer.SerializeToUtf8Bytes(meta, ImageCacheJson.Default.CachedImage));
            }
            try
            {
                Directory.Move(temp, RootOf(digest));
            }
            catch (IOException) when (Directory.Exists(RootOf(digest)))
            {
                // Composed meanwhile by another process on this data folder: its copy is as good.
                Directory.Delete(temp, recursive: true);
            }
            Count();
            return ReadReady(digest)!;
        }
        finally
        {
            File.Delete(archive);
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>
    /// Drops what this node keeps of images the store no longer holds (`fjord images prune`, or a
    /// DELETE) and that no <paramref name="inUse"/> function names: their roots, then every layer
    /// no remaining root lists. Left-over temp folders of a crashed fetch go too.
    /// </summary>
    public async Task SweepAsync(IReadOnlySet<string> inUse, CancellationToken cancellationToken)
    {
        if (_store is null || !Directory.Exists(_root))
            return;
        var stored = (await _store.ListImagesAsync(cancellationToken)).Select(i => i.Digest).ToHashSet(StringComparer.Ordinal);
        var roots = Path.Combine(_root, "roots");
        var keptLayers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in Directory.Exists(roots) ? Directory.GetDirectories(roots) : [])
        {
            var name = Path.GetFileName(folder);
            var digest = Sha256Digest.Prefix + name;
            if (name.StartsWith(".tmp-", StringComparison.Ordinal))
            {
                if (_fetches.IsEmpty)
                    Directory.Delete(folder, recursive: true);
                continue;
            }
            if (!stored.Contains(digest) && !inUse.Contains(digest) && !_fetches.ContainsKey(digest))
            {
                Directory.Delete(folder, recursive: true);
                LogDropped(_logger, digest);
                continue;
            }
            if (File.Exists(Path.Combine(folder, "image.json")))
            {
                var cached = JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(folder, "image.json")), ImageCacheJson.Default.CachedImage)!;
                keptLayers.UnionWith(cached.Layers.Select(Sha256Digest.Hex));
            }
        }
        var layers = Path.Combine(_layers.Root, "sha256");
        if (_fetches.IsEmpty && Directory.Exists(layers))
        {
            foreach (var layer in Directory.GetDirectories(layers).Where(l => !keptLayers.Contains(Path.GetFileName(l))))
                Directory.Delete(layer, recursive: true);
        }
        Count();
    }

    /// <summary>0711: the sandbox's user may pass through to a root it is given; nobody may list what the node caches.</summary>
    private static void Searchable(string folder)
    {
        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
    }

    /// <summary>Counts the cache's bytes on disk (file sizes; a walk, so only after a compose or a sweep).</summary>
    private void Count()
    {
        // One walk at a time: a sweep's walk that began before a compose must not finish after
        // the compose's own walk and leave its older total as the figure.
        lock (_countGate)
            CountLocked();
    }

    private void CountLocked()
    {
        long total = 0;
        if (Directory.Exists(_root))
        {
            foreach (var file in new DirectoryInfo(_root).EnumerateFiles("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }))
                total += file.Length;
        }
        Interlocked.Exchange(ref _diskBytes, total);
    }

    [LoggerMessage(EventId = 150, Level = LogLevel.Information, Message = "Image {Digest} is ready on this node ({Ms:0} ms to fetch, unpack and compose)")]
    private static partial void LogReady(ILogger logger, string digest, double ms);

    [LoggerMessage(EventId = 151, Level = LogLevel.Error, Message = "Image {Digest} could not be made ready; its functions' jobs wait")]
    private static partial void LogFailed(ILogger logger, string digest, Exception exception);

    [LoggerMessage(EventId = 152, Level = LogLevel.Information, Message = "Image {Digest} is no longer stored: its root and unused layers were removed from this node")]
    private static partial void LogDropped(ILogger logger, string digest);
}

#pragma warning restore CA1416

/// <summary>What <c>roots/&lt;hex&gt;/image.json</c> records of a composed image.</summary>
internal sealed record CachedImage(string Digest, string ConfigDigest, ImageConfig Config, IReadOnlyList<string> Layers);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(CachedImage))]
internal sealed partial class ImageCacheJson : System.Text.Json.Serialization.JsonSerializerContext;
