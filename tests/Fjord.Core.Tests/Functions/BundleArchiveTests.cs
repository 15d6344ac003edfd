using System.IO.Compression;
using Fjord.Core.Functions;

namespace Fjord.Core.Tests.Functions;

/// <summary>Unpacking a bundle on a real file system: modes normalised, sizes counted, paths kept inside.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BundleArchiveTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "fjord-bundle-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private static byte[] Zip(params (string Name, int Mode, byte[] Content)[] entries)
    {
        using var memory = new MemoryStream();
        using (var zip = new ZipArchive(memory, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, mode, content) in entries)
            {
                var entry = zip.CreateEntry(name);
                entry.ExternalAttributes = mode << 16;
                using var stream = entry.Open();
                stream.Write(content);
            }
        }
        return memory.ToArray();
    }

    [Fact]
    public void Extract_NormalisesModes_To0755And0644_WhateverTheZipSays()
    {
        var zip = Zip(
            ("run.sh", 0x8000 | 0b100_111_111_111, "#!/bin/sh\n"u8.ToArray()), // setuid, world-writable
            ("lib/data.txt", 0x8000 | 0b110_110_110, "d"u8.ToArray()),          // group/world-writable
            ("lib/tool", 0x8000 | 0b001_000_000, "t"u8.ToArray()),              // execute only
            ("secret", 0x8000, "s"u8.ToArray()),                                // no bits at all
            ("empty/", 0x4000 | 0b111_111_111, []));
        var target = Path.Combine(_root, "fn");

        BundleArchive.Extract(zip, target, BundleArchive.DefaultMaxUnpackedBytes);

        var executable = (UnixFileMode)0b111_101_101;
        var regular = (UnixFileMode)0b110_100_100;
        Assert.Equal(executable, File.GetUnixFileMode(Path.Combine(target, "run.sh")));
        Assert.Equal(regular, File.GetUnixFileMode(Path.Combine(target, "lib/data.txt")));
        Assert.Equal(executable, File.GetUnixFileMode(Path.Combine(target, "lib/tool")));
        Assert.Equal(regular, File.GetUnixFileMode(Path.Combine(target, "secret")));
        Assert.Equal(executable, File.GetUnixFileMode(Path.Combine(target, "lib")));
        Assert.Equal(executable, File.GetUnixFileMode(Path.Combine(target, "empty")));
        Assert.Equal(executable, File.GetUnixFileMode(target));
        Assert.Equal("#!/bin/sh\n", File.ReadAllText(Path.Combine(target, "run.sh")));
    }

    [Fact]
    public void Extract_StopsAtTheUnpackedLimit_CountingRealBytes()
    {
        var zip = Zip(("a.bin", 0x8000 | 0b110_100_100, new byte[300_000]), ("b.bin", 0x8000 | 0b110_100_100, new byte[300_000]));
        var target = Path.Combine(_root, "fn");

        var e = Assert.Throws<InvalidDataException>(() => BundleArchive.Extract(zip, target, 500_000));

        Assert.Contains("unpacks to more than 500000", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(target, "b.bin")) && new FileInfo(Path.Combine(target, "b.bin")).Length > 200_000);
        Assert.Null(BundleArchive.Problem(zip, 600_000));
        Assert.NotNull(BundleArchive.Problem(zip, 599_999));
    }

    [Theory]
    [InlineData("../escape.sh")]
    [InlineData("ok/../../escape.sh")]
    [InlineData("/etc/cron.d/x")]
    [InlineData("C:/x")]
    public void Extract_RefusesPathsThatLeaveTheFolder(string name)
    {
        var zip = Zip((name, 0x8000 | 0b110_100_100, "x"u8.ToArray()));

        Assert.Throws<InvalidDataException>(() => BundleArchive.Extract(zip, Path.Combine(_root, "fn"), BundleArchive.DefaultMaxUnpackedBytes));
        Assert.False(File.Exists(Path.Combine(_root, "escape.sh")));
    }
}
