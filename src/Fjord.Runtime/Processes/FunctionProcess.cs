using System.Diagnostics;
using System.Globalization;
using Fjord.Core.Secrets;
using Fjord.Runtime.Sandboxing;

namespace Fjord.Runtime.Processes;

/// <summary>
/// One running function process and everything it owns: its cgroup, its process group, its
/// private working folder. Disposing kills the whole tree and cleans up, whatever state it is in.
/// </summary>
internal sealed class FunctionProcess : IAsyncDisposable
{
    private const string SetsidPath = "/usr/bin/setsid";

    /// <summary>
    /// The launcher joins the cgroups with its own pid, then execs: the function's first
    /// instruction already runs inside its limits, so there is no window in which user code runs
    /// unlimited or could fork a child that escapes the group. It ignores the terminal's signals
    /// (an ignored disposition survives exec), so a Ctrl-C meant for `fjord up` reaches the node,
    /// which drains, and not its functions, which would die mid-job. Unsandboxed, it then execs
    /// setsid, which makes it (same pid) the leader of a new session and process group, so
    /// kill(-pid) reaches every process that did not deliberately leave the group, and the cgroup
    /// reaches those that did. In the sandbox that exec is saved (~1 ms per fork-mode job):
    /// bubblewrap puts the function in a session of its own (--new-session) and a pid namespace
    /// of its own, whose processes all die with bwrap (--die-with-parent, then the namespace's init).
    /// </summary>
    private const string LauncherScript =
        "trap '' INT QUIT TSTP; n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || { echo \"fjord: cannot join cgroup $1\" >&2; exit 125; }; shift; n=$((n-1)); done; exec \"$@\"";

    private readonly Process _process;
    private readonly CgroupLease? _cgroup;
    private readonly string? _tempDir;
    private int _disposed;

    private FunctionProcess(Process process, CgroupLease? cgroup, string? tempDir, StderrPump stderr)
    {
        _process = process;
        _cgroup = cgroup;
        _tempDir = tempDir;
        Stderr = stderr;
        Pid = process.Id;
    }

    public int Pid { get; }
    public Stream Stdin => _process.StandardInput.BaseStream;
    public Stream Stdout => _process.StandardOutput.BaseStream;
    public StderrPump Stderr { get; }
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>True when the kernel's OOM killer fired in this process's cgroup.</summary>
    public bool OomKilled => _cgroup?.OomKills() > 0;

    public static async Task<FunctionProcess> StartAsync(LaunchSpec spec, RuntimeOptions options)
    {
        var host = options.ResolvedHost;
        var sandboxed = options.Sandbox && host.Bwrap is not null;
        CgroupLease? cgroup = null;
        string? tempDir = null;
        SecretFiles? secrets = null;
        try
        {
            secrets = await OpenSecretsAsync(spec, options, sandboxed);
            if (options.Limits && host.Cgroups is { } cgroups)
            {
                var name = $"{spec.Function}-{Guid.NewGuid():N}"[..Math.Min(spec.Function.Length + 13, 80)];
                cgroup = cgroups.Create(name, new CgroupLimits(spec.MemoryBytes, options.PidsLimit, options.CpuCores));
            }

            var psi = new ProcessStartInfo("/bin/sh")
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            // A clean environment: nothing of the worker's (keys, HOME, tokens) leaks into functions.
            psi.Environment.Clear();
            var args = psi.ArgumentList;
            args.Add("-c");
            args.Add(LauncherScript);
            args.Add("fjord-launch");
            var procs = cgroup?.ProcsFiles ?? [];
            args.Add(procs.Count.ToString(CultureInfo.InvariantCulture));
            foreach (var file in procs)
                args.Add(file);
            if (!sandboxed && File.Exists(SetsidPath))
                args.Add(SetsidPath);

            if (sandboxed)
            {
                if (host.DropPrivilegesInside && spec.FunctionDir is { } folder)
                    EnsureReadableBySandboxUser(folder);
                // The launcher and bwrap pass this environment on to the function unchanged.
                foreach (var (key, value) in spec.Environment)
                    psi.Environment[key] = value;
                psi.WorkingDirectory = "/";
                var runtimes = Directory.Exists(options.RuntimesDir) ? Path.GetFullPath(options.RuntimesDir) : null;
                var command = new SandboxedCommand(spec.FunctionDir, runtimes, spec.Network, options.TmpBytes, spec.Command, secrets?.Files);
                args.Add(host.Bwrap!);
                foreach (var arg in BwrapArgs.Build(command, host.DropPrivilegesInside))
                    args.Add(arg);
            }
            else
            {
                foreach (var (key, value) in spec.Environment)
                    psi.Environment[key] = value;
                if (spec.FunctionDir is null)
                {
                    Directory.CreateDirectory(options.TempRoot);
                    tempDir = Directory.CreateTempSubdirectory("fjord-fn-").FullName;
                }
                psi.WorkingDirectory = spec.FunctionDir ?? tempDir;
                foreach (var arg in spec.Command)
                    args.Add(arg);
            }

            var process = await ProcessSpawner.StartAsync(psi, secrets);
            // bwrap holds its own copies of the secret fds now; ours are no longer needed.
            secrets?.Dispose();
            var stderr = new StderrPump(process.StandardError.BaseStream, options.MaxLogBytes, spec.LogMarkerPrefix);
            return new FunctionProcess(process, cgroup, tempDir, stderr);
        }
        catch (Exception e) when (e is not FunctionStartException)
        {
            secrets?.Dispose();
            cgroup?.Remove();
            DeleteTemp(tempDir);
            throw new FunctionStartException($"could not start the function process: {e.Message}", e);
        }
        catch
        {
            secrets?.Dispose();
            cgroup?.Remove();
            throw;
        }
    }

    /// <summary>
    /// The start's secrets, fresh from the store. Only the sandbox can show them at /run/secrets;
    /// unsandboxed, a function that names secrets does not start rather than get them some other way.
    /// </summary>
    private static async Task<SecretFiles?> OpenSecretsAsync(LaunchSpec spec, RuntimeOptions options, bool sandboxed)
    {
        if (spec.Secrets.Count == 0)
            return null;
        if (!sandboxed)
            throw new FunctionStartException($"function '{spec.Function}' reads secrets, which Fjord gives only inside the bubblewrap sandbox, and this node runs unsandboxed");
        if (options.Secrets is not { } reader)
            throw new FunctionStartException(SecretVault.NoKeyProblem);
        try
        {
            return SecretFiles.Create(await reader.ReadAsync(spec.Secrets, CancellationToken.None));
        }
        catch (SecretUnavailableException e)
        {
            throw new FunctionStartException(e.Message, e);
        }
    }

    /// <summary>Kills every process of this function: its cgroup (detached grandchildren too) and its process group.</summary>
    public void KillTree()
    {
        _cgroup?.KillAll(TimeSpan.FromSeconds(2), lastPid: Pid);
        Libc.KillGroup(Pid);
        Libc.KillProcess(Pid);
    }

    public Task WaitForExitAsync(CancellationToken cancellationToken) => _process.WaitForExitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        KillTree();
        try
        {
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
        }
        // Without a cgroup a detached grandchild may still hold stderr open: do not wait for it.
        await Task.WhenAny(Stderr.Completion, Task.Delay(500));
        _cgroup?.RemoveEventually();
        DeleteTemp(_tempDir);
        _process.Dispose();
    }

    /// <summary>
    /// The sandbox user (uid 65534) reads the function's folder through its bind mount; a folder
    /// made private (0700, as temp folders are) would fail every job with a bare "Permission denied".
    /// </summary>
    private static void EnsureReadableBySandboxUser(string folder)
    {
        const UnixFileMode needed = UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(folder) & needed) != needed)
            throw new FunctionStartException($"the function folder {folder} is not readable by the sandbox user (uid 65534): make it world-readable (chmod o+rX)");
    }

    private static void DeleteTemp(string? dir)
    {
        if (dir is null)
            return;
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }
}
