using System.Formats.Tar;
using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Fjord.Tests.Shared;

/// <summary>Builds real image archives in the test, byte by byte: layer tars with TarWriter, docker
/// save's manifest.json and the OCI layout's index, manifest and config JSON with real sha256 digests.</summary>
internal static class TestImages
{
    public const UnixFileMode Exec = (UnixFileMode)0b111_101_101;
    public const UnixFileMode Plain = (UnixFileMode)0b110_100_100;

    public static readonly object ExampleConfig = new
    {
        Entrypoint = new[] { "/bin/busybox" },
        Cmd = new[] { "echo", "hi" },
        Env = new[] { "PATH=/bin", "GREETING=hej" },
        WorkingDir = "/work",
        User = "1000:1000",
    };

    public static byte[] Layer(params Action<TarWriter>[] entries)
    {
        using var memory = new MemoryStream();
        using (var writer = new TarWriter(memory, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var add in entries)
            {
                add(writer);
            }
        }
        return memory.ToArray();
    }

    public static Action<TarWriter> File(string name, byte[] content, UnixFileMode mode = Plain) => w =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content), Mode = mode });

    public static Action<TarWriter> File(string name, string content, UnixFileMode mode = Plain) => File(name, Encoding.UTF8.GetBytes(content), mode);

    public static Action<TarWriter> Dir(string name, UnixFileMode mode = Exec) => w =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name) { Mode = mode });

    public static Action<TarWriter> Symlink(string name, string target) => w =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = target });

    public static Action<TarWriter> HardLink(string name, string target) => w =>
        w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, name) { LinkName = target });

    public static Action<TarWriter> Special(TarEntryType type, string name) => w =>
        w.WriteEntry(type == TarEntryType.Fifo ? new PaxTarEntry(type, name) : new PaxTarEntry(type, name) { DeviceMajor = 1, DeviceMinor = 3 });

    public static string Digest(byte[] bytes) => "sha256:" + Convert.ToHexStringLower(SHA256.HashData(bytes));

    public static byte[] Gzip(byte[] bytes)
    {
        using var memory = new MemoryStream();
        using (var gzip = new GZipStream(memory, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(bytes);
        }
        return memory.ToArray();
    }

    public static byte[] Config(IEnumerable<byte[]> layers, object? config = null) => Json(new
    {
        architecture = "amd64",
        os = "linux",
        config = config ?? ExampleConfig,
        rootfs = new { type = "layers", diff_ids = layers.Select(Digest).ToArray() },
    });

    public static byte[] Json(object value) => JsonSerializer.SerializeToUtf8Bytes(value);

    /// <summary>The classic <c>docker save</c> layout: manifest.json, &lt;hex&gt;.json, &lt;id&gt;/layer.tar.</summary>
    public static void DockerSave(string path, byte[][] layers, bool gzip = false, byte[]? config = null)
    {
        config ??= Config(layers);
        var configName = Digest(config)["sha256:".Length..] + ".json";
        var layerNames = layers.Select((l, i) => $"{i:x2}{Digest(l)[10..30]}/layer.tar").ToArray();
        var files = new List<(string, byte[])>
        {
            ("manifest.json", Json(new[] { new { Config = configName, RepoTags = new[] { "resize:latest" }, Layers = layerNames } })),
            (configName, config),
        };
        files.AddRange(layers.Select((l, i) => (layerNames[i], l)));
        WriteArchive(path, files, gzip);
    }

    /// <summary>An OCI image layout (index.json, oci-layout, blobs/sha256/...), layers gzip by default.</summary>
    public static void OciLayout(string path, byte[][] layers, bool gzipLayers = true, bool gzip = false, Func<string, byte[], byte[]>? tamper = null)
    {
        var config = Config(layers);
        var blobs = layers.Select(l => gzipLayers ? Gzip(l) : l).ToArray();
        var manifest = Json(new
        {
            schemaVersion = 2,
            mediaType = "application/vnd.oci.image.manifest.v1+json",
            config = new { mediaType = "application/vnd.oci.image.config.v1+json", digest = Digest(config), size = config.Length },
            layers = blobs.Select(b => new
            {
                mediaType = gzipLayers ? "application/vnd.oci.image.layer.v1.tar+gzip" : "application/vnd.oci.image.layer.v1.tar",
                digest = Digest(b),
                size = b.Length,
            }).ToArray(),
        });
        var index = Json(new
        {
            schemaVersion = 2,
            manifests = new[] { new { mediaType = "application/vnd.oci.image.manifest.v1+json", digest = Digest(manifest), size = manifest.Length } },
        });
        var files = new List<(string, byte[])> { ("oci-layout", Json(new { imageLayoutVersion = "1.0.0" })), ("index.json", index) };
        foreach (var blob in blobs.Prepend(config).Prepend(manifest))
        {
            var name = "blobs/sha256/" + Digest(blob)["sha256:".Length..];
            files.Add((name, tamper is null ? blob : tamper(name, blob)));
        }
        WriteArchive(path, files, gzip);
    }

    private static void WriteArchive(string path, IEnumerable<(string Name, byte[] Bytes)> files, bool gzip)
    {
        var tar = Layer(files.Select(f => File(f.Name, f.Bytes)).ToArray());
        System.IO.File.WriteAllBytes(path, gzip ? Gzip(tar) : tar);
    }
}
