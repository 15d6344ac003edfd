using System.Globalization;
using System.Runtime.InteropServices;
using Fjord.Runtime.Processes;
using Microsoft.Win32.SafeHandles;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// A sandbox's network namespace held open by this process, with the user namespace that owns it.
/// slirp4netns and nsenter are given these (as /proc/OURPID/fd/N), never /proc/CHILD/ns/...:
/// what they join is exactly the namespace checked here, whatever the child does meanwhile. That
/// matters for the user namespace: bwrap's child replaces its own (/proc/CHILD/ns/user) by a nested
/// one for --disable-userns while we attach, and that nested one has no rights over the network
/// namespace, so joining it made slirp4netns's setns fail (EPERM) whenever bwrap got there first.
/// </summary>
internal sealed class NetworkNamespace : IDisposable
{
    /// <summary>NS_GET_USERNS, _IO(0xb7, 0x1): a new fd for the user namespace owning a namespace.</summary>
    private const nuint GetUserNamespace = 0xb701;

    private readonly SafeFileHandle _net;
    private readonly SafeFileHandle _owner;

    private NetworkNamespace(SafeFileHandle net, SafeFileHandle owner, string id)
    {
        _net = net;
        _owner = owner;
        Id = id;
    }

    /// <summary>The namespace's identity, as /proc/PID/ns/net reads (<c>net:[inode]</c>).</summary>
    public string Id { get; }

    /// <summary>A path to this namespace that other processes can open (while this is not disposed).</summary>
    public string Path => FdPath(_net);

    /// <summary>A path to the owning user namespace, or null when that is this process's own.</summary>
    public string? OwnerPath { get; private set; }

    /// <summary>Opens <paramref name="nsPath"/> (/proc/PID/ns/net); null when that process is gone.</summary>
    public static NetworkNamespace? Open(string nsPath)
    {
        SafeFileHandle net;
        try
        {
            net = File.OpenHandle(nsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        }
        catch (IOException)
        {
            return null;
        }
        var owner = Libc.Ioctl((int)net.DangerousGetHandle(), GetUserNamespace);
        if (owner < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            net.Dispose();
            throw new IOException($"NS_GET_USERNS on {nsPath} failed: errno {errno}");
        }
        var ownerHandle = new SafeFileHandle(owner, ownsHandle: true);
        var id = LinkOf(FdPath(net, self: true));
        var ns = new NetworkNamespace(net, ownerHandle, id ?? "");
        if (LinkOf(FdPath(ownerHandle, self: true)) != LinkOf("/proc/self/ns/user"))
            ns.OwnerPath = FdPath(ownerHandle);
        return ns;
    }

    public static string? LinkOf(string path)
    {
        try
        {
            return new FileInfo(path).LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static string FdPath(SafeFileHandle handle, bool self = false) =>
        string.Create(CultureInfo.InvariantCulture, $"/proc/{(self ? "self" : Environment.ProcessId.ToString(CultureInfo.InvariantCulture))}/fd/{handle.DangerousGetHandle()}");

    public void Dispose()
    {
        _owner.Dispose();
        _net.Dispose();
    }
}
