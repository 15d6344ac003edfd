using System.Runtime.InteropServices;
using Fjord.Core.Secrets;
using Microsoft.Win32.SafeHandles;

namespace Fjord.Runtime.Sandboxing;

/// <summary>One secret handed to bubblewrap: its file name and the fd bwrap copies it from.</summary>
internal readonly record struct SecretFile(string Name, int Fd);

/// <summary>
/// A start's secrets as anonymous memory files (memfd_create): bubblewrap copies each into the
/// sandbox's in-memory root (<c>--file FD /run/secrets/NAME</c>) and closes its copy of the fd, so
/// no plaintext is written to any disk and nothing of it appears on a command line or in an
/// environment. The fds are close-on-exec except while the spawner forks the launcher
/// (<see cref="Processes.ProcessSpawner"/>); this object closes Fjord's side after the start.
/// </summary>
internal sealed partial class SecretFiles : IDisposable
{
    private const uint MfdCloexec = 1;
    private const int FGetfd = 1;
    private const int FSetfd = 2;
    private const int FdCloexec = 1;

    private readonly List<SafeFileHandle> _handles = [];

    private SecretFiles()
    {
    }

    public List<SecretFile> Files { get; } = [];

    public static SecretFiles Create(IReadOnlyList<SecretValue> secrets)
    {
        var files = new SecretFiles();
        try
        {
            foreach (var secret in secrets)
            {
                var fd = MemfdCreate("fjord-secret", MfdCloexec);
                if (fd < 0)
                    throw new IOException($"memfd_create failed (errno {Marshal.GetLastPInvokeError()})");
                var handle = new SafeFileHandle(fd, ownsHandle: true);
                files._handles.Add(handle);
                // pwrite: the fd's offset stays 0, which is where bwrap starts reading.
                RandomAccess.Write(handle, secret.Value, 0);
                files.Files.Add(new SecretFile(secret.Name, fd));
            }
            return files;
        }
        catch
        {
            files.Dispose();
            throw;
        }
    }

    /// <summary>Lets the next fork inherit the fds (true) or not (false). Called on the spawner thread only, around one start.</summary>
    public void SetInheritable(bool inheritable)
    {
        foreach (var file in Files)
        {
            var flags = Fcntl(file.Fd, FGetfd, 0);
            if (flags < 0 || Fcntl(file.Fd, FSetfd, inheritable ? flags & ~FdCloexec : flags | FdCloexec) < 0)
                throw new IOException($"fcntl on a secret's fd failed (errno {Marshal.GetLastPInvokeError()})");
        }
    }

    public void Dispose()
    {
        foreach (var handle in _handles)
            handle.Dispose();
        _handles.Clear();
        Files.Clear();
    }

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, int arg);
}
