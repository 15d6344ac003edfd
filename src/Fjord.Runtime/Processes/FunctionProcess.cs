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
    /// Before that, setpriv gives the process a parent-death signal: bwrap itself (or the
    /// unsandboxed function) is SIGKILLed when the node dies, so no sandbox outlives its node.
    /// The launcher also opens what bwrap reads by fd: the seccomp filter on fd 9, the network
    /// gate (a fifo) on fd 8.
    /// </summary>
    private const string LauncherScript =
        "trap '' INT QUIT TSTP; n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || { echo \"fjord: cannot join cgroup $1\" >&2; exit 125; }; shift; n=$((n-1)); done; "
        + "s=$1; b=$2; shift 2; if [ -n \"$b\" ]; then exec 8<>\"$b\"; fi; if [ -n \"$s\" ]; then exec \"$@\" 9<\"$s\"; fi; exec \"$@\"";

    private readonly Process _process;
    private readonly CgroupLease? _cgroup;
    private readonly string? _tempDir;
    private readonly Process? _network;
    private int _disposed;

    private FunctionProcess(Process process, CgroupLease? cgroup, string? tempDir, StderrPump stderr, Process? network)
    {
        _process = process;
        _network = network;
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

    /// <summary>Completes when the process has exited (killed from outside, crashed, or ended).</summary>
    public Task Exited => _exited ??= _process.WaitForExitAsync();

    private Task? _exited;
    public int ExitCode => _process.ExitCode;

    /// <summary>True when the kernel's OOM killer fired in this process's cgroup.</summary>
    public bool OomKilled => _cgroup?.OomKills() > 0;

    public static async Task<FunctionProcess> StartAsync(LaunchSpec spec, RuntimeOptions options)
    {
        var host = options.ResolvedHost;
        var sandboxed = options.Sandbox && host.Bwrap is not null;
        CgroupLease? cgroup = null;
        string? tempDir = null;
        string? gate = null;
        Process? process = null;
        SecretFiles? secrets = null;
        try
        {
            secrets = await OpenSecretsAsync(spec, options, sandboxed);
            if (options.Limits && host.Cgroups is { } cgroups)
            {
                var name = $"{spec.Function}-{Guid.NewGuid():N}"[..Math.Min(spec.Function.Length + 13, 80)];
                cgroup = cgroups.Create(name, new CgroupLimits(spec.MemoryBytes, options.PidsLimit, spec.CpuCores ?? options.CpuCores));
            }

            var procs = cgroup?.ProcsFiles ?? [];
            var command = new List<string>();
            string? seccomp = null;
            var privateNetwork = sandboxed && spec.Network && !options.HostNetwork;
            if (privateNetwork && host.Network is null)
                throw new FunctionStartException("network: true needs slirp4netns, nsenter and ip on this node (apt-get install slirp4netns util-linux iproute2), or a node started with --allow-host-network");
            if (spec.Image is not null && !sandboxed)
                throw new FunctionStartException($"function '{spec.Function}' runs an image, which Fjord runs only inside the bubblewrap sandbox, and this node runs unsandboxed");
            if (sandboxed)
            {
                if (host.DropPrivilegesInside && spec.FunctionDir is { } folder)
                    EnsureReadableBySandboxUser(folder);
                var runtimes = Directory.Exists(options.RuntimesDir) ? Path.GetFullPath(options.RuntimesDir) : null;
                var sandboxedCommand = new SandboxedCommand(spec.FunctionDir, runtimes, spec.Network, options.TmpBytes, spec.Command, secrets?.Files) { Image = spec.Image };
                seccomp = host.Seccomp;
                if (privateNetwork)
                    gate = PrivateNetwork.MakeGate(options.TempRoot);
                var resolv = privateNetwork ? PrivateNetwork.ResolvConf(options.TempRoot)
                    : spec.Image is not null && spec.Network ? PrivateNetwork.HostResolvConf(options.TempRoot) : null;
                var extras = new BwrapExtras(seccomp is not null, privateNetwork, resolv);
                if (spec.ProtocolOnFd3)
                    command.AddRange(["/bin/sh", "-c", Shims.ShimCommand.FdScript, "fjord-fds"]);
                if (spec.Image is { } image && host.DropPrivilegesInside)
                    command.AddRange(ImageUserDrop(image));
                command.Add(host.Bwrap!);
                command.AddRange(BwrapArgs.Build(sandboxedCommand, host.DropPrivilegesInside, extras));
            }
            else
            {
                if (spec.FunctionDir is null)
                {
                    Directory.CreateDirectory(options.TempRoot);
                    tempDir = Directory.CreateTempSubdirectory("fjord-fn-").FullName;
                }
                if (File.Exists(SetsidPath))
                    command.Add(SetsidPath);
                command.AddRange(spec.Command);
            }

            var psi = LauncherStartInfo(procs, seccomp, gate, command);
            // The launcher, and bwrap after it (no --clearenv/--setenv, so no value of the function's
            // environment is on a command line), pass this environment on to the function unchanged.
            foreach (var (key, value) in spec.Environment)
                psi.Environment[key] = value;
            psi.WorkingDirectory = sandboxed ? "/" : spec.FunctionDir ?? tempDir;

            process = await ProcessSpawner.StartAsync(psi, secrets);
            // bwrap holds its own copies of the secret fds now; ours are no longer needed.
            secrets?.Dispose();
            var stderr = new StderrPump(process.StandardError.BaseStream, options.MaxLogBytes, spec.LogMarkerPrefix);
            Process? slirp = null;
            if (gate is not null)
            {
                slirp = await host.Network!.AttachAsync(process.Id, gate, userNamespace: !host.DropPrivilegesInside,
                    args => ProcessSpawner.StartAsync(LauncherStartInfo(procs, null, null, args)), CancellationToken.None);
            }
            return new FunctionProcess(process, cgroup, tempDir, stderr, slirp);
        }
        catch (Exception e)
        {
            if (process is not null)
            {
                cgroup?.KillAll(TimeSpan.FromSeconds(2), lastPid: process.Id);
                Libc.KillProcess(process.Id);
                process.Dispose();
            }
            cgroup?.Remove();
            DeleteTemp(tempDir);
            if (e is FunctionStartException)
                throw;
            throw new FunctionStartException($"could not start the function process: {e.Message}", e);
        }
        finally
        {
            secrets?.Dispose();
            if (gate is not null)
                File.Delete(gate);
        }
    }

    /// <summary>
    /// As root, an image's sandbox is entered as its user (uid 0 becomes 65534 here): the image has
    /// no setpriv of ours inside, so bwrap itself starts unprivileged and builds a user namespace.
    /// The parent-death signal is set again after the change of user, which clears it.
    /// </summary>
    private static string[] ImageUserDrop(Images.RunnableImage image)
    {
        if (image.UnreachableBy(image.User.HostUid) is { } problem)
            throw new FunctionStartException(problem);
        return [Sandbox.SetprivPath, $"--reuid={image.User.HostUid.ToString(CultureInfo.InvariantCulture)}",
            $"--regid={image.User.HostGid.ToString(CultureInfo.InvariantCulture)}", "--clear-groups", "--inh-caps=-all",
            "--pdeathsig", "KILL", "--"];
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

    /// <summary>
    /// <c>/bin/sh -c LAUNCHER</c>: joins <paramref name="procs"/>, opens <paramref name="seccomp"/>
    /// on fd 9 and <paramref name="gate"/> on fd 8 when given, and execs <paramref name="command"/>
    /// with a parent-death signal. Its environment is empty: nothing of the worker's (keys, HOME,
    /// tokens) leaks into functions.
    /// </summary>
    private static ProcessStartInfo LauncherStartInfo(IReadOnlyList<string> procs, string? seccomp, string? gate, IReadOnlyList<string> command)
    {
        var psi = new ProcessStartInfo("/bin/sh")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Clear();
        var args = psi.ArgumentList;
        args.Add("-c");
        args.Add(LauncherScript);
        args.Add("fjord-launch");
        args.Add(procs.Count.ToString(CultureInfo.InvariantCulture));
        foreach (var file in procs)
            args.Add(file);
        args.Add(seccomp ?? "");
        args.Add(gate ?? "");
        var deathSignal = File.Exists(Sandbox.SetprivPath) ? new[] { Sandbox.SetprivPath, "--pdeathsig", "KILL", "--" } : [];
        foreach (var arg in deathSignal.Concat(command))
            args.Add(arg);
        return psi;
    }

    /// <summary>Kills every process of this function: its cgroup (detached grandchildren too) and its process group.</summary>
    public void KillTree()
    {
        _cgroup?.KillAll(TimeSpan.FromSeconds(2), lastPid: Pid);
        Libc.KillGroup(Pid);
        Libc.KillProcess(Pid);
        if (_network is { } slirp)
            Libc.KillProcess(slirp.Id);
    }

    /// <summary>CPU time the function's processes used so far, from its cgroup (zero without one).</summary>
    public TimeSpan CpuUsage => _cgroup?.CpuUsage() ?? TimeSpan.Zero;

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
        if (_network is { } network)
        {
            try
            {
                await network.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (TimeoutException)
            {
            }
            network.Dispose();
        }
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
