using System.Text.Json;
using Fjord.Core.Functions;

namespace Fjord.Runtime.Tests;

/// <summary>
/// The seccomp filter, seen from inside real function processes: each probe makes the raw system
/// call and reports its errno. Unsandboxed (as root) the same probe succeeds, so a broken probe
/// cannot pass for a refusal.
/// </summary>
public sealed class SeccompTests
{
    private const int EPERM = 1;

    /// <summary>Tries each forbidden thing and returns {name: errno or 0}.</summary>
    private const string Probe = """
        import ctypes, json, os, platform, signal, time

        libc = ctypes.CDLL(None, use_errno=True)
        NR = {"x86_64": {"keyctl": 250, "io_uring_setup": 425, "bpf": 321},
              "aarch64": {"keyctl": 219, "io_uring_setup": 425, "bpf": 280}}[platform.machine()]

        def errno_of(rc):
            return 0 if rc >= 0 else ctypes.get_errno()

        def in_child(fn):
            # Namespaces and mounts change the caller: try them in a child that reports back.
            r, w = os.pipe()
            pid = os.fork()
            if pid == 0:
                os.close(r)
                os.write(w, str(fn()).encode())
                os._exit(0)
            os.close(w)
            out = os.read(r, 100)
            os.waitpid(pid, 0)
            return int(out)

        def probe(mount=True):
            result = {}
            result["unshare_user"] = in_child(lambda: errno_of(libc.unshare(0x10000000)))
            if mount:  # never outside the sandbox: it would cover the host's /tmp
                result["mount"] = in_child(lambda: errno_of(libc.mount(b"none", b"/tmp", b"tmpfs", 0, None)))
            sibling = os.fork()
            if sibling == 0:
                time.sleep(30)
                os._exit(0)
            # PTRACE_ATTACH to a sibling (a child of ours here: same uid, no Yama) from another child.
            result["ptrace_sibling"] = in_child(lambda: errno_of(libc.ptrace(16, sibling, None, None)))
            os.kill(sibling, signal.SIGKILL)
            os.waitpid(sibling, 0)
            result["keyctl"] = errno_of(libc.syscall(NR["keyctl"], 0, -3, 1))  # KEYCTL_GET_KEYRING_ID, session, create
            params = ctypes.create_string_buffer(120)
            fd = libc.syscall(NR["io_uring_setup"], 4, params)
            result["io_uring_setup"] = errno_of(fd)
            if fd >= 0:
                os.close(fd)
            return result
        """;

    private static readonly string[] Refused = ["unshare_user", "mount", "ptrace_sibling", "keyctl", "io_uring_setup"];

    [Fact]
    public async Task PythonFunction_IsRefusedEveryForbiddenCall_InSandbox()
    {
        using var folder = new TempFolder();
        folder.Write("probe.py", Probe + "\n\ndef handle(payload, context):\n    return json.dumps(probe())\n");
        var spec = Run.Shim(FunctionRuntime.Python, RunMode.Warm, "probe.py");

        var result = await Run.OnceAsync(spec, folder.Path, sandbox: true);

        Assert.Null(result.Error);
        var errnos = JsonSerializer.Deserialize<Dictionary<string, int>>(result.Text())!;
        foreach (var name in Refused)
            Assert.True(errnos[name] == EPERM, $"{name}: errno {errnos[name]} (expected EPERM) in {result.Text()}");
    }

    [Fact]
    public async Task ExecFunction_IsRefusedEveryForbiddenCall_InSandbox()
    {
        using var folder = new TempFolder();
        folder.Write("probe.py", Probe + "\n\nprint(json.dumps(probe()))\n");
        folder.Write("run.sh", """
            #!/bin/sh
            unshare -U true 2>/dev/null && echo "unshare-cli: allowed" || echo "unshare-cli: refused"
            mount -t tmpfs none /tmp 2>/dev/null && echo "mount-cli: allowed" || echo "mount-cli: refused"
            exec /usr/bin/python3 probe.py
            """, executable: true);
        var spec = Run.Exec("./run.sh");

        var result = await Run.OnceAsync(spec, folder.Path, sandbox: true);

        Assert.Null(result.Error);
        var lines = result.Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("unshare-cli: refused", lines[0]);
        Assert.Equal("mount-cli: refused", lines[1]);
        var errnos = JsonSerializer.Deserialize<Dictionary<string, int>>(lines[2])!;
        foreach (var name in Refused)
            Assert.True(errnos[name] == EPERM, $"{name}: errno {errnos[name]} (expected EPERM) in {lines[2]}");
    }

    [Fact]
    public async Task Probe_Succeeds_Unsandboxed()
    {
        using var folder = new TempFolder();
        folder.Write("probe.py", Probe + "\n\nprint(json.dumps(probe(mount=False)))\n");

        var result = await Run.OnceAsync(Run.Exec("/usr/bin/python3", "probe.py"), folder.Path, sandbox: false);

        Assert.Null(result.Error);
        var errnos = JsonSerializer.Deserialize<Dictionary<string, int>>(result.Text())!;
        Assert.Equal(0, errnos["unshare_user"]);
        Assert.Equal(0, errnos["ptrace_sibling"]);
        Assert.Equal(0, errnos["keyctl"]);
    }

    [Fact]
    public void Filter_DeniesTheIssuesList_AndCompiles()
    {
        var bpf = Sandboxing.SeccompFilter.Build(out var problem);

        Assert.Null(problem);
        Assert.NotNull(bpf);
        Assert.True(bpf.Length > 0 && bpf.Length % 8 == 0, "a BPF program is a whole number of 8-byte instructions");
        foreach (var name in new[] { "unshare", "setns", "mount", "umount2", "pivot_root", "ptrace", "bpf", "keyctl", "add_key", "request_key",
            "io_uring_setup", "io_uring_enter", "io_uring_register", "perf_event_open", "kexec_load", "kexec_file_load",
            "init_module", "finit_module", "delete_module", "userfaultfd", "open_by_handle_at" })
            Assert.Contains(name, Sandboxing.SeccompFilter.Denied);
        Assert.True(Sandbox.Host.Status.Filtered, Sandbox.Host.Status.Warning);
    }
}
