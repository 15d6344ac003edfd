using System.IO.Compression;
using Fjord.Storage.Sqlite;

namespace Fjord.Worker.Tests;

/// <summary>
/// The worker checks a bundle again while unpacking it: the store may hold one from before a rule
/// existed or from a gateway with a larger limit. Real store, real files.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
// IAsyncLifetime, not IAsyncDisposable: xUnit v2 never calls a test class's DisposeAsync of the
// latter, so the store stayed open and its folder stayed in /tmp after every run.
public sealed class BundleCacheTests : IAsyncLifetime
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "fjord-bundles-" + Guid.NewGuid().ToString("N")[..10]);
    private SqliteStore? _store;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_store is not null)
            await _store.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private async Task<(BundleCache Cache, string Hash)> StoreAsync(byte[] zip, long limit)
    {
        _store = await SqliteStore.OpenAsync(new SqliteStoreOptions { Path = Path.Combine(_dir, "fjord.db") }, CancellationToken.None);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(zip));
        await _store.PutBundleAsync(hash, zip, CancellationToken.None);
        return (new BundleCache(_store, Path.Combine(_dir, "bundles"), limit), hash);
    }

    private static byte[] Zip(string name, int mode, byte[] content)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            var entry = zip.CreateEntry(name);
            entry.ExternalAttributes = (0x8000 | mode) << 16;
            using var stream = entry.Open();
            stream.Write(content);
        }
        return memory.ToArray();
    }

    [Fact]
    public async Task StoredBundle_PastTheNodesLimit_IsNotUnpacked_AndLeavesNoFolder()
    {
        var (cache, hash) = await StoreAsync(Zip("zeros.bin", 0b110_100_100, new byte[2 * 1024 * 1024]), limit: 1024 * 1024);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => cache.EnsureAsync(hash, CancellationToken.None));

        Assert.Contains("unpacks to more than 1Mi", e.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(_dir, "bundles")));
    }

    [Fact]
    public async Task StoredBundle_IsUnpackedWithNormalisedModes()
    {
        var (cache, hash) = await StoreAsync(Zip("run.sh", 0b111_111_111 | 0b100_000_000_000, "#!/bin/sh\n"u8.ToArray()), limit: 1024 * 1024);

        var folder = await cache.EnsureAsync(hash, CancellationToken.None);

        Assert.Equal((UnixFileMode)0b111_101_101, File.GetUnixFileMode(Path.Combine(folder, "run.sh")));
    }
}
