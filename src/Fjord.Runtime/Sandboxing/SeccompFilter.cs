using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// The seccomp filter every sandboxed function process runs under, compiled once per node with
/// the system's libseccomp and handed to bubblewrap (<c>--seccomp FD</c>), which installs it just
/// before it execs the function. It allows everything except the kernel interfaces a function
/// never needs and that sandbox escapes and kernel exploits keep using (the list follows
/// Flatpak's setup_seccomp). Syscall names are resolved by libseccomp for the machine's own
/// architecture (x86_64, arm64, ...); a name this kernel's ABI lacks is skipped. Calls from another
/// ABI (i386 or x32 on x86_64) do not match the filter's architecture and kill the process.
/// </summary>
internal static partial class SeccompFilter
{
    private const uint ActAllow = 0x7fff0000;
    private const int EPERM = 1;
    private const int ENOSYS = 38;
    private const int CmpMaskedEq = 7;
    private const ulong CloneNewUser = 0x10000000;
    private const ulong Tiocsti = 0x5412;
    private const ulong Tioclinux = 0x541C;

    /// <summary>Refused with EPERM whatever their arguments.</summary>
    public static readonly IReadOnlyList<string> Denied =
    [
        // new namespaces and mounts: the way out of a sandbox
        "unshare", "setns", "mount", "umount", "umount2", "pivot_root", "chroot",
        "fsopen", "fsconfig", "fsmount", "fspick", "open_tree", "move_mount", "mount_setattr",
        // other processes' memory
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp",
        // large kernel attack surfaces a function has no use for
        "bpf", "keyctl", "add_key", "request_key", "io_uring_setup", "io_uring_enter", "io_uring_register",
        "perf_event_open", "userfaultfd", "open_by_handle_at", "name_to_handle_at",
        "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
        "acct", "quotactl", "swapon", "swapoff", "reboot", "syslog",
    ];

    /// <summary>
    /// clone3 passes its flags in a struct seccomp cannot read, so it cannot be filtered for
    /// CLONE_NEWUSER: it fails with ENOSYS instead, and libc falls back to clone, which can.
    /// </summary>
    public const string Unsupported = "clone3";

    /// <summary>The filter as a BPF program (struct sock_filter[]), or null with <paramref name="problem"/> set.</summary>
    public static byte[]? Build(out string? problem)
    {
        IntPtr ctx;
        try
        {
            ctx = SeccompInit(ActAllow);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            problem = "libseccomp.so.2 not found (apt-get install libseccomp2)";
            return null;
        }
        if (ctx == IntPtr.Zero)
        {
            problem = "seccomp_init failed";
            return null;
        }
        try
        {
            foreach (var name in Denied)
            {
                if (Add(ctx, name, Errno(EPERM), []) is { } failed)
                    return Fail(failed, out problem);
            }
            if (Add(ctx, Unsupported, Errno(ENOSYS), []) is { } clone3)
                return Fail(clone3, out problem);
            // clone itself stays allowed (threads, fork), but not with a new user namespace.
            if (Add(ctx, "clone", Errno(EPERM), [Masked(0, CloneNewUser)]) is { } clone)
                return Fail(clone, out problem);
            // Typing into the terminal of whoever runs the node, and the console's own ioctls.
            foreach (var request in new[] { Tiocsti, Tioclinux })
            {
                if (Add(ctx, "ioctl", Errno(EPERM), [Masked(1, request, 0xFFFFFFFF)]) is { } ioctl)
                    return Fail(ioctl, out problem);
            }
            return Export(ctx, out problem);
        }
        finally
        {
            SeccompRelease(ctx);
        }
    }

    private static byte[]? Fail(string failure, out string? problem)
    {
        problem = failure;
        return null;
    }

    private static string? Add(IntPtr ctx, string name, uint action, ScmpArgCmp[] args)
    {
        var nr = SeccompSyscallResolveName(name);
        if (nr < 0)
            return null; // not a syscall of this architecture
        var rc = SeccompRuleAddArray(ctx, action, nr, (uint)args.Length, args);
        return rc == 0 ? null : $"seccomp_rule_add({name}) failed: {rc}";
    }

    private static byte[]? Export(IntPtr ctx, out string? problem)
    {
        // libseccomp writes the program to a file descriptor: a memfd keeps it off the disk.
        using var memory = MemfdCreate("fjord-seccomp-export", 0) is var fd and >= 0
            ? new SafeFileHandle(fd, ownsHandle: true)
            : null;
        if (memory is null)
            return Fail($"memfd_create failed: errno {Marshal.GetLastPInvokeError()}", out problem);
        var rc = SeccompExportBpf(ctx, (int)memory.DangerousGetHandle());
        if (rc != 0)
            return Fail($"seccomp_export_bpf failed: {rc}", out problem);
        var length = RandomAccess.GetLength(memory);
        var bpf = new byte[length];
        RandomAccess.Read(memory, bpf, 0);
        problem = null;
        return bpf;
    }

    /// <summary>
    /// Keeps <paramref name="bpf"/> in a memfd of this process for as long as it lives and returns
    /// the /proc path a launcher opens it by (as bwrap's --seccomp fd): nothing on disk to clean up
    /// after a crash, nothing inherited by processes that do not ask for it (close-on-exec).
    /// </summary>
    public static string? Publish(byte[] bpf, out string? problem)
    {
        const uint MfdCloexec = 1;
        var fd = MemfdCreate("fjord-seccomp", MfdCloexec);
        if (fd < 0)
        {
            problem = $"memfd_create failed: errno {Marshal.GetLastPInvokeError()}";
            return null;
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        RandomAccess.Write(handle, bpf, 0);
        lock (Published)
            Published.Add(handle);
        problem = null;
        return $"/proc/{Environment.ProcessId}/fd/{fd}";
    }

    private static readonly List<SafeFileHandle> Published = [];

    private static uint Errno(int errno) => 0x00050000u | (uint)(errno & 0xffff);

    private static ScmpArgCmp Masked(uint arg, ulong value, ulong mask = 0) =>
        new() { Arg = arg, Op = CmpMaskedEq, DatumA = mask == 0 ? value : mask, DatumB = value };

    [StructLayout(LayoutKind.Sequential)]
    private struct ScmpArgCmp
    {
        public uint Arg;
        public int Op;
        public ulong DatumA;
        public ulong DatumB;
    }

    [LibraryImport("libseccomp.so.2", EntryPoint = "seccomp_init")]
    private static partial IntPtr SeccompInit(uint defaultAction);

    [LibraryImport("libseccomp.so.2", EntryPoint = "seccomp_release")]
    private static partial void SeccompRelease(IntPtr ctx);

    [LibraryImport("libseccomp.so.2", EntryPoint = "seccomp_syscall_resolve_name", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SeccompSyscallResolveName(string name);

    [LibraryImport("libseccomp.so.2", EntryPoint = "seccomp_rule_add_array")]
    private static partial int SeccompRuleAddArray(IntPtr ctx, uint action, int syscall, uint count, [In] ScmpArgCmp[] args);

    [LibraryImport("libseccomp.so.2", EntryPoint = "seccomp_export_bpf")]
    private static partial int SeccompExportBpf(IntPtr ctx, int fd);

    [LibraryImport("libc", EntryPoint = "memfd_create", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int MemfdCreate(string name, uint flags);
}
