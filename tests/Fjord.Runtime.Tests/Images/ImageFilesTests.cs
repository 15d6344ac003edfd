using Fjord.Runtime.Images;
using Fjord.Runtime.Processes;

namespace Fjord.Runtime.Tests.Images;

/// <summary>
/// The image's /etc/passwd, /etc/group, WorkingDir and PATH are read from the host, inside the
/// image's root: a symlink in an image resolves against that root, never to a host file.
/// </summary>
public sealed class ImageFilesTests : IDisposable
{
    private readonly TempFolder _folder = new();

    private string Root => Path.Combine(_folder.Path, "root");

    /// <summary>A host file an image must never make the node read (as if it were the host's /etc/passwd).</summary>
    private string HostPasswd => Path.Combine(_folder.Path, "host-passwd");

    public ImageFilesTests()
    {
        Directory.CreateDirectory(Path.Combine(Root, "etc"));
        Directory.CreateDirectory(Path.Combine(Root, "data"));
        File.WriteAllText(HostPasswd, "evil:x:4321:4321::/:/bin/sh\n");
        File.WriteAllText(Path.Combine(Root, "data", "passwd"), "app:x:1000:1001:app:/home/app:/bin/sh\n");
    }

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Passwd_LinkingOutOfTheRoot_ResolvesInsideIt(bool absolute)
    {
        // "/<host path>" becomes <root>/<host path>; "../../.." stops at the image's "/".
        var target = absolute ? HostPasswd : string.Concat(Enumerable.Repeat("../", 20)) + HostPasswd.TrimStart('/');
        File.CreateSymbolicLink(Path.Combine(Root, "etc", "passwd"), target);

        Assert.Null(ImageFiles.ReadText(Root, "/etc/passwd"));
        var refused = Assert.Throws<FunctionStartException>(() => ImageUser.Resolve("evil", Root));
        Assert.Contains("not in the image's /etc/passwd", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Passwd_LinkingInsideTheRoot_IsFollowed()
    {
        File.CreateSymbolicLink(Path.Combine(Root, "etc", "passwd"), "/data/../data/passwd");
        Directory.CreateSymbolicLink(Path.Combine(Root, "link-to-etc"), "etc");

        Assert.Equal(new ImageUser(1000, 1001, "/home/app"), ImageUser.Resolve("app", Root));
        Assert.Equal(Path.Combine(Root, "data", "passwd"), ImageFiles.Resolve(Root, "/link-to-etc/passwd"));
    }

    [Fact]
    public void Resolve_GivesUpOnALinkLoop()
    {
        File.CreateSymbolicLink(Path.Combine(Root, "etc", "a"), "b");
        File.CreateSymbolicLink(Path.Combine(Root, "etc", "b"), "/etc/a");

        Assert.Null(ImageFiles.Resolve(Root, "/etc/a"));
    }

    [Theory]
    [InlineData(null, 65534, 65534)]
    [InlineData("0", 0, 65534)]
    [InlineData("0:0", 0, 0)]
    [InlineData("77:88", 77, 88)]
    public void User_Numeric_NeedsNoPasswd_AndRootIsNobodyOnTheHost(string? user, int uid, int gid)
    {
        var resolved = ImageUser.Resolve(user, Root);

        Assert.Equal((uid, gid), (resolved.Uid, resolved.Gid));
        Assert.NotEqual(0, resolved.HostUid);
        Assert.NotEqual(0, resolved.HostGid);
    }
}
