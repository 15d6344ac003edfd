using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text.Json;

namespace Fjord.Core.Images;

/// <summary>
/// An image read from a <c>docker save</c> archive (manifest.json) or an OCI image layout (index.json,
/// blobs/sha256/...), plain or gzip. The archive's files are spooled into a private staging folder under
/// numbered names (archive paths are only dictionary keys, never file system paths), and every blob the
/// image uses is checked against its sha256: OCI blobs by their digest names, docker save configs by
/// their file names, layers by the config's diff_ids when unpacked (<see cref="LayerUnpacker"/>).
/// </summary>
public sealed class ImageArchive : IDisposable
{
    private readonly string staging;

    private ImageArchive(string staging, string configDigest, ImageConfig config, IReadOnlyList<ImageLayer> layers)
    {
        this.staging = staging;
        ConfigDigest = configDigest;
        Config = config;
        Layers = layers;
    }

    /// <summary>The image's identity: the sha256 of its config blob.</summary>
    public string ConfigDigest { get; }

    public ImageConfig Config { get; }

    /// <summary>Layers bottom first, each with the staged blob to unpack.</summary>
    public IReadOnlyList<ImageLayer> Layers { get; }

    /// <summary>Reads <paramref name="archivePath"/>, staging its files in a new folder under
    /// <paramref name="stagingParent"/> that <see cref="Dispose"/> removes.</summary>
    public static ImageArchive Open(string archivePath, string stagingParent, ImageLimits? limits = null)
    {
        limits ??= ImageLimits.Default;
        var staging = Path.Combine(stagingParent, ".stage-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var files = Spool(archivePath, staging, limits);
            var (configDigest, configPath, layerPaths) = files.Has("manifest.json") ? DockerSave(files) : OciLayout(files);
            var (config, diffIds) = ReadConfig(configPath);
            if (diffIds.Count != layerPaths.Count)
            {
                throw new InvalidImageException($"the config lists {diffIds.Count} diff_ids but the manifest {layerPaths.Count} layers");
            }
            var layers = diffIds.Select((d, i) => new ImageLayer(d, layerPaths[i])).ToList();
            return new ImageArchive(staging, configDigest, config, layers);
        }
        catch
        {
            Directory.Delete(staging, recursive: true);
            throw;
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(staging))
        {
            Directory.Delete(staging, recursive: true);
        }
    }

    private static SpooledFiles Spool(string archivePath, string staging, ImageLimits limits)
    {
        var files = new SpooledFiles();
        long total = 0;
        var count = 0;
        using var stream = Compression.OpenTar(archivePath);
        using var reader = new TarReader(stream);
        try
        {
            while (reader.GetNextEntry() is { } entry)
            {
                if (++count > limits.MaxEntries)
                {
                    throw new InvalidImageException($"the archive has more than {limits.MaxEntries} entries");
                }
                var name = Normalize(entry.Name);
                if (entry.EntryType is TarEntryType.SymbolicLink)
                {
                    // docker save links repeated layers to the first copy; resolved by name only.
                    files.Links[name] = Normalize(Path.GetDirectoryName(name) + "/" + entry.LinkName);
                    continue;
                }
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile) || entry.DataStream is null)
                {
                    continue;
                }
                var path = Path.Combine(staging, count.ToString(System.Globalization.CultureInfo.InvariantCulture));
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                {
                    total += BoundedCopy.Run(entry.DataStream, output, hash, limits.MaxArchiveBytes - total, "the archive");
                }
                files.Paths[name] = new SpooledFile(path, Sha256Digest.Of(hash));
            }
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new InvalidImageException("not a readable tar archive: " + e.Message);
        }
        return files;
    }

    private static (string Digest, string Path, List<string> Layers) DockerSave(SpooledFiles files)
    {
        using var manifest = files.Json("manifest.json");
        if (manifest.RootElement.ValueKind != JsonValueKind.Array || manifest.RootElement.GetArrayLength() != 1)
        {
            throw new InvalidImageException("manifest.json must list exactly one image (save one image per archive)");
        }
        var image = manifest.RootElement[0];
        var configName = Str(image, "Config") ?? throw new InvalidImageException("manifest.json has no Config");
        var config = files.Get(configName);
        // Older docker names the config "<sha256 hex>.json", newer "blobs/sha256/<hex>": either way the name is its digest.
        var expected = Path.GetFileName(configName);
        expected = expected.EndsWith(".json", StringComparison.Ordinal) ? expected[..^5] : expected;
        if (config.Digest != Sha256Digest.Prefix + expected)
        {
            throw new InvalidImageException($"config '{configName}' does not match its digest");
        }
        if (!image.TryGetProperty("Layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidImageException("manifest.json has no Layers");
        }
        var paths = new List<string>();
        foreach (var layer in layers.EnumerateArray())
        {
            var name = layer.GetString() ?? throw new InvalidImageException("manifest.json has a null layer");
            var file = files.Get(name);
            if (name.StartsWith("blobs/sha256/", StringComparison.Ordinal))
            {
                files.Verify(name);
            }
            paths.Add(file.Path);
        }
        return (config.Digest, config.Path, paths);
    }

    private static (string Digest, string Path, List<string> Layers) OciLayout(SpooledFiles files)
    {
        if (!files.Has("index.json"))
        {
            throw new InvalidImageException("neither manifest.json (docker save) nor index.json (OCI layout) in the archive");
        }
        using var index = files.Json("index.json");
        var manifestDigest = PickManifest(files, index.RootElement, depth: 0);
        using var manifest = files.Json(files.Blob(manifestDigest));
        var configDigest = Str(Prop(manifest.RootElement, "config"), "digest");
        var config = files.Get(files.Blob(configDigest));
        if (!manifest.RootElement.TryGetProperty("layers", out var layers) || layers.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidImageException("the image manifest has no layers");
        }
        var paths = layers.EnumerateArray().Select(l => files.Get(files.Blob(Str(l, "digest"))).Path).ToList();
        return (config.Digest, config.Path, paths);
    }

    /// <summary>Follows an index (possibly nested once, as docker's own OCI output is) to the first
    /// image manifest for linux, or with no platform stated.</summary>
    private static string PickManifest(SpooledFiles files, JsonElement index, int depth)
    {
        if (depth > 2 || !index.TryGetProperty("manifests", out var manifests) || manifests.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidImageException("index.json lists no manifests");
        }
        foreach (var m in manifests.EnumerateArray())
        {
            var os = m.TryGetProperty("platform", out var p) ? Str(p, "os") : null;
            if (os is not (null or "linux"))
            {
                continue;
            }
            var digest = Str(m, "digest");
            if (Str(m, "mediaType") is "application/vnd.oci.image.index.v1+json" or "application/vnd.docker.distribution.manifest.list.v2+json")
            {
                using var nested = files.Json(files.Blob(digest));
                return PickManifest(files, nested.RootElement, depth + 1);
            }
            return digest!;
        }
        throw new InvalidImageException("index.json has no linux image manifest");
    }

    private static (ImageConfig Config, List<string> DiffIds) ReadConfig(string path)
    {
        using var doc = JsonFile(path, "the image config");
        var root = doc.RootElement;
        var c = root.TryGetProperty("config", out var cfg) && cfg.ValueKind == JsonValueKind.Object ? cfg : default;
        var config = new ImageConfig(Strings(c, "Entrypoint"), Strings(c, "Cmd"), Strings(c, "Env"), NonEmpty(Str(c, "WorkingDir")), NonEmpty(Str(c, "User")));
        var diffIds = Strings(Prop(root, "rootfs"), "diff_ids");
        foreach (var d in diffIds)
        {
            Sha256Digest.Hex(d);
        }
        return (config, diffIds.ToList());
    }

    internal static string Normalize(string name)
    {
        var parts = new List<string>();
        foreach (var part in name.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
            }
            else if (part != ".")
            {
                parts.Add(part);
            }
        }
        return string.Join('/', parts);
    }

    private static JsonElement Prop(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) ? v : default;

    private static string? Str(JsonElement e, string name) => Prop(e, name) is { ValueKind: JsonValueKind.String } v ? v.GetString() : null;

    private static string? NonEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    private static IReadOnlyList<string> Strings(JsonElement e, string name) =>
        Prop(e, name) is { ValueKind: JsonValueKind.Array } a
            ? a.EnumerateArray().Select(x => x.ValueKind == JsonValueKind.String ? x.GetString()! : throw new InvalidImageException($"'{name}' must hold strings")).ToList()
            : [];

    private static JsonDocument JsonFile(string path, string what)
    {
        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path));
        }
        catch (JsonException e)
        {
            throw new InvalidImageException($"{what} is not JSON: {e.Message}");
        }
    }

    private sealed record SpooledFile(string Path, string Digest);

    private sealed class SpooledFiles
    {
        public Dictionary<string, SpooledFile> Paths { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, string> Links { get; } = new(StringComparer.Ordinal);

        public bool Has(string name) => Find(name) is not null;

        public SpooledFile Get(string name) => Find(name) ?? throw new InvalidImageException($"'{name}' is missing from the archive");

        /// <summary>The archive name of a blob, checked against its digest.</summary>
        public string Blob(string? digest)
        {
            var name = "blobs/sha256/" + Sha256Digest.Hex(digest);
            Verify(name);
            return name;
        }

        public void Verify(string name)
        {
            if (Get(name).Digest != Sha256Digest.Prefix + Path.GetFileName(name))
            {
                throw new InvalidImageException($"blob '{name}' does not match its digest");
            }
        }

        public JsonDocument Json(string name) => JsonFile(Get(name).Path, name);

        private SpooledFile? Find(string name)
        {
            name = Normalize(name);
            for (var hops = 0; hops < 8; hops++)
            {
                if (Paths.TryGetValue(name, out var file))
                {
                    return file;
                }
                if (!Links.TryGetValue(name, out var target))
                {
                    return null;
                }
                name = target;
            }
            return null;
        }
    }
}
