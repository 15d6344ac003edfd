namespace Fjord.Storage.Sqlite.Tests;

/// <summary>The store file holds every payload and result: only the node's user may read it, and its -wal and -shm with it.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FileModeTests
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task NewStore_FileWalShmAndLock_Are0600()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await harness.EnqueueAsync();

        foreach (var suffix in new[] { "", "-wal", "-shm", ".lock" })
        {
            var path = harness.DbPath + suffix;
            Assert.True(File.Exists(path), path + " is missing");
            Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        }
    }

    [Fact]
    public async Task ExistingStore_LeftReadableByOthers_IsClosedAtOpen()
    {
        await using var harness = await StoreHarness.OpenAsync();
        await harness.EnqueueAsync();
        var everyone = (UnixFileMode)0b110_100_100;
        File.SetUnixFileMode(harness.DbPath, everyone);
        File.SetUnixFileMode(harness.DbPath + ".lock", everyone);

        await harness.ReopenAsync();
        await harness.EnqueueAsync();

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(harness.DbPath));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(harness.DbPath + ".lock"));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(harness.DbPath + "-wal"));
    }
}
