using System.IO.Compression;
using System.Security.Cryptography;
using Fjord.Cli.Project;
using Fjord.Cli.Tests.Support;

namespace Fjord.Cli.Tests.Project;

public sealed class BundleBuilderTests : IDisposable
{
    private const UnixFileMode Executable = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
        | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private readonly TempFolder temp = new();

    public void Dispose() => temp.Dispose();

    [Fact]
    public void Build_GivesTheSameHash_ForTheSameFolderTwice()
    {
        temp.Write("fn/handler.py", "def handle(p, c): return p\n");
        temp.Write("fn/lib/util.py", "X = 1\n");
        var folder = Path.Combine(temp.Path, "fn");

        var first = BundleBuilder.Build(folder);
        File.SetLastWriteTimeUtc(Path.Combine(folder, "handler.py"), DateTime.UtcNow.AddDays(-3));
        var second = BundleBuilder.Build(folder);

        Assert.Equal(first.Hash, second.Hash);
        Assert.Equal(first.Zip, second.Zip);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(first.Zip)), first.Hash);
    }

    [Fact]
    public void Build_GivesTheSameHash_ForFoldersWrittenInAnotherOrder()
    {
        temp.Write("a/x.txt", "x");
        temp.Write("a/sub/y.txt", "y");
        temp.Write("a/b.txt", "b");
        temp.Write("b/b.txt", "b");
        temp.Write("b/sub/y.txt", "y");
        temp.Write("b/x.txt", "x");

        Assert.Equal(BundleBuilder.Build(Path.Combine(temp.Path, "a")).Hash, BundleBuilder.Build(Path.Combine(temp.Path, "b")).Hash);
    }

    [Fact]
    public void Build_ChangesTheHash_WhenContentChanges()
    {
        var file = temp.Write("fn/handler.py", "one");
        var before = BundleBuilder.Build(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, "two");

        Assert.NotEqual(before.Hash, BundleBuilder.Build(Path.GetDirectoryName(file)!).Hash);
    }

    [Fact]
    public void Build_KeepsTheExecutableBit_WhenExtracted()
    {
        temp.Write("fn/run.sh", "#!/bin/sh\ncat\n", Executable);
        temp.Write("fn/data.txt", "data", UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var bundle = BundleBuilder.Build(Path.Combine(temp.Path, "fn"));

        var target = Path.Combine(temp.Path, "out");
        using (var zip = new ZipArchive(new MemoryStream(bundle.Zip), ZipArchiveMode.Read))
            zip.ExtractToDirectory(target);

        Assert.True((File.GetUnixFileMode(Path.Combine(target, "run.sh")) & UnixFileMode.UserExecute) != 0);
        Assert.True((File.GetUnixFileMode(Path.Combine(target, "data.txt")) & UnixFileMode.UserExecute) == 0);
    }

    [Fact]
    public void Build_SkipsVersionControlAndCaches_AndSortsEntries()
    {
        temp.Write("fn/z.py", "");
        temp.Write("fn/a.py", "");
        temp.Write("fn/.git/HEAD", "ref");
        temp.Write("fn/__pycache__/a.cpython-311.pyc", "");
        temp.Write("fn/lib/__pycache__/b.pyc", "");
        temp.Write("fn/node_modules/.cache/x", "");
        temp.Write("fn/node_modules/left-pad/index.js", "");
        temp.Write("fn/lib/b.py", "");

        var bundle = BundleBuilder.Build(Path.Combine(temp.Path, "fn"));

        using var zip = new ZipArchive(new MemoryStream(bundle.Zip), ZipArchiveMode.Read);
        Assert.Equal(["a.py", "lib/b.py", "node_modules/left-pad/index.js", "z.py"], zip.Entries.Select(e => e.FullName));
        Assert.Equal(4, bundle.FileCount);
    }

    [Fact]
    public void Build_FollowsASymlinkedFolder_ButNotALoop()
    {
        temp.Write("shared/util.py", "U = 1");
        temp.Write("fn/handler.py", "");
        Directory.CreateSymbolicLink(Path.Combine(temp.Path, "fn", "lib"), Path.Combine(temp.Path, "shared"));
        Directory.CreateSymbolicLink(Path.Combine(temp.Path, "fn", "self"), Path.Combine(temp.Path, "fn"));

        var bundle = BundleBuilder.Build(Path.Combine(temp.Path, "fn"));

        using var zip = new ZipArchive(new MemoryStream(bundle.Zip), ZipArchiveMode.Read);
        Assert.Equal(["handler.py", "lib/util.py"], zip.Entries.Select(e => e.FullName));
    }
}
