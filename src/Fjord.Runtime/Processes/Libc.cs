using System.Runtime.InteropServices;

namespace Fjord.Runtime.Processes;

/// <summary>The few libc calls .NET's Process does not offer: signalling a whole process group.</summary>
internal static partial class Libc
{
    public const int SIGKILL = 9;
    private const int ESRCH = 3;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);

    /// <summary>Sends SIGKILL to every process in group <paramref name="pgid"/>. True when sent or when the group is already gone.</summary>
    public static bool KillGroup(int pgid)
    {
        if (pgid <= 1)
            return false;
        return Kill(-pgid, SIGKILL) == 0 || Marshal.GetLastPInvokeError() == ESRCH;
    }

    public static bool KillProcess(int pid)
    {
        if (pid <= 1)
            return false;
        return Kill(pid, SIGKILL) == 0 || Marshal.GetLastPInvokeError() == ESRCH;
    }

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint GetEffectiveUserId();

    [LibraryImport("libc", EntryPoint = "mkfifo", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int MakeFifo(string path, uint mode);

    [LibraryImport("libc", EntryPoint = "getpgid", SetLastError = true)]
    public static partial int GetProcessGroup(int pid);

    /// <summary>ioctl(2) without an argument, e.g. NS_GET_USERNS on a namespace fd (returns a new fd).</summary>
    [LibraryImport("libc", EntryPoint = "ioctl", SetLastError = true)]
    public static partial int Ioctl(int fd, nuint request);
}
