using System.Diagnostics;
using System.Globalization;
using Fjord.Runtime.Processes;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// The network of a <c>network: true</c> function: a namespace of its own (not the node's), wired
/// to the outside by slirp4netns in user mode. slirp4netns runs with --disable-host-loopback, so
/// the host's loopback services (the gateway, a local database, ...) are unreachable, and a
/// <c>prohibit</c> route makes 169.254.0.0/16 (cloud metadata, link-local) unreachable too. bwrap
/// holds the function on its block fd until both are in place, so its first instruction already
/// runs behind them.
/// <para>
/// The namespace's <c>lo</c> is bwrap's alone: its child sets it up (adds 127.0.0.1 with
/// NLM_F_EXCL, then brings it up) while we attach, since we attach as soon as the child exists.
/// slirp4netns's own --configure also brings <c>lo</c> up, and whenever that came first (one start
/// in a few dozen, more under load) the kernel had already given <c>lo</c> 127.0.0.1, bwrap's
/// exclusive add failed, its child died ("loopback: Failed RTM_NEWADDR") and the start failed,
/// most often as "namespace changed under us". So slirp4netns only makes tap0, and we configure
/// tap0 ourselves: what we touch and what bwrap touches are disjoint, in any order.
/// </para>
/// </summary>
internal sealed class PrivateNetwork
{
    /// <summary>slirp4netns's DNS forwarder inside the namespace.</summary>
    public const string Nameserver = "10.0.2.3";

    private const string Blocked = "169.254.0.0/16";

    /// <summary>tap0's address and gateway: slirp4netns's defaults (its --configure would set the same).</summary>
    private const string Guest = "10.0.2.100/24";

    private const string Gateway = "10.0.2.2";

    private const int Mtu = 65520;

    private PrivateNetwork(string slirp, string nsenter, string ip)
    {
        Slirp = slirp;
        Nsenter = nsenter;
        Ip = ip;
    }

    public string Slirp { get; }
    public string Nsenter { get; }
    public string Ip { get; }

    public static PrivateNetwork? Detect(out string? problem)
    {
        var slirp = Find("slirp4netns");
        var nsenter = Find("nsenter");
        var ip = Find("ip");
        if (slirp is null || nsenter is null || ip is null)
        {
            var missing = new[] { ("slirp4netns", slirp), ("nsenter", nsenter), ("ip", ip) }.Where(t => t.Item2 is null).Select(t => t.Item1);
            problem = $"{string.Join(", ", missing)} not found: apt-get install slirp4netns util-linux iproute2, or start the node with --allow-host-network";
            return null;
        }
        problem = null;
        return new PrivateNetwork(slirp, nsenter, ip);
    }

    private static string? Find(string program) =>
        Sandbox.FindOnPath(program)
        ?? new[] { "/usr/bin", "/usr/sbin", "/bin", "/sbin" }.Select(d => Path.Combine(d, program)).FirstOrDefault(File.Exists);

    /// <summary>A resolv.conf naming slirp4netns's forwarder, written once under <paramref name="dir"/>.</summary>
    public static string ResolvConf(string dir) => Publish(dir, "fjord-resolv.conf", $"nameserver {Nameserver}\n");

    /// <summary>
    /// A copy of the node's resolv.conf, for an image function on the node's own network
    /// (<c>--allow-host-network</c>): an image gets no file of the host's /etc, only this copy of
    /// the one it needs to resolve names there.
    /// </summary>
    public static string HostResolvConf(string dir)
    {
        string content;
        try
        {
            using var stream = new FileStream("/etc/resolv.conf", FileMode.Open, FileAccess.Read);
            var buffer = new byte[(int)Math.Min(stream.Length, 64 * 1024)];
            stream.ReadExactly(buffer);
            content = System.Text.Encoding.UTF8.GetString(buffer);
        }
        catch (IOException)
        {
            content = "";
        }
        return Publish(dir, "fjord-host-resolv.conf", content);
    }

    private static string Publish(string dir, string name, string content)
    {
        var path = Path.Combine(dir, name);
        if (!File.Exists(path) || File.ReadAllText(path) != content)
        {
            Directory.CreateDirectory(dir);
            // A temporary file of this call's own: starts that come together (a node's first ones,
            // or test classes sharing /tmp) each write, and one name per process let one rename
            // another's half-made file away (FileNotFoundException, the start failed).
            var temp = $"{path}.{Guid.NewGuid():N}";
            File.WriteAllText(temp, content);
            if (!OperatingSystem.IsWindows())
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            File.Move(temp, path, overwrite: true);
        }
        return path;
    }

    /// <summary>A fifo bwrap blocks on (<see cref="BwrapArgs.BlockFd"/>) until <see cref="AttachAsync"/> writes to it.</summary>
    public static string MakeGate(string dir)
    {
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, $"net-{Guid.NewGuid():N}.fifo");
        if (Libc.MakeFifo(path, 0x180) != 0)
            throw new IOException($"mkfifo {path} failed: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}");
        return path;
    }

    /// <summary>
    /// Wires the namespace of the sandbox whose outer bwrap is <paramref name="bwrapPid"/>, then
    /// opens its gate. Returns slirp4netns (started through <paramref name="launch"/>, so it is in
    /// the function's cgroup and dies with the node); it also exits when its stdin (its exit fd) closes.
    /// </summary>
    public async Task<Process> AttachAsync(int bwrapPid, string gate, bool userNamespace, Func<IReadOnlyList<string>, Task<Process>> launch, CancellationToken cancellationToken)
    {
        var child = await SandboxChildAsync(bwrapPid, cancellationToken);
        var ns = $"/proc/{child}/ns/net";
        using var held = NetworkNamespace.Open(ns) ?? throw new IOException("the sandbox exited before its network was set up");
        // Never configure the node's own network: the child must be in a namespace of its own, and
        // the one held must be the child's (the pid was not reused between the two reads).
        if (held.Id is not { Length: > 0 } target || target == NetworkNamespace.LinkOf("/proc/self/ns/net") || NetworkNamespace.LinkOf(ns) != target)
            throw new IOException($"the sandbox (pid {child}) has no network namespace of its own");

        // No --configure: it would bring lo up under bwrap (see the class comment). The namespaces
        // are the held ones (see NetworkNamespace), not the child's current ones.
        // Its ready byte goes to fd 3, our stdout pipe; its own stdout, where it prints a banner
        // that can reach the pipe before that byte, goes to /dev/null.
        var args = new List<string> { "/bin/sh", "-c", "exec \"$@\" 3>&1 >/dev/null", "fjord-slirp",
            Slirp, $"--mtu={Mtu}", "--disable-host-loopback", "--enable-sandbox", "--enable-seccomp", "--exit-fd=0", "--ready-fd=3", "--netns-type=path" };
        if (held.OwnerPath is { } owner)
            args.Add($"--userns-path={owner}");
        args.AddRange([held.Path, "tap0"]);
        var slirp = await launch(args);
        try
        {
            var ready = new byte[1];
            using var within = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            within.CancelAfter(TimeSpan.FromSeconds(10));
            if (await slirp.StandardOutput.BaseStream.ReadAsync(ready, within.Token) != 1 || ready[0] != (byte)'1')
            {
                // Killed first: its stderr ends only when it does.
                Libc.KillProcess(slirp.Id);
                throw new IOException($"slirp4netns did not get ready: {await slirp.StandardError.ReadToEndAsync(cancellationToken)}");
            }

            var enter = new List<string>();
            if (userNamespace && held.OwnerPath is { } user)
                enter.AddRange([$"--user={user}", "--preserve-credentials"]);
            enter.AddRange([$"--net={held.Path}", "--", Ip, "-batch", "-"]);
            var tap = string.Join('\n', $"link set tap0 mtu {Mtu} up", $"addr add {Guest} dev tap0",
                $"route add default via {Gateway} dev tap0", $"route add prohibit {Blocked}", "");
            if (NetworkNamespace.LinkOf(ns) is var now && now != target)
                throw new IOException(now is null ? "the sandbox exited before its network was set up" : "the sandbox's network namespace changed under us");
            await RunAsync(Nsenter, enter, tap, cancellationToken);

            // Read-write, as the launcher holds it: opening a fifo write-only blocks until it has a
            // reader, forever if the sandbox has died meanwhile; this open never blocks.
            await using (var open = new FileStream(gate, FileMode.Open, FileAccess.ReadWrite))
                await open.WriteAsync(new byte[] { 1 }, cancellationToken);
            return slirp;
        }
        catch
        {
            Libc.KillProcess(slirp.Id);
            slirp.Dispose();
            throw;
        }
    }

    /// <summary>The process bwrap cloned into the new namespaces (it waits on the gate meanwhile).</summary>
    private static async Task<int> SandboxChildAsync(int bwrapPid, CancellationToken cancellationToken)
    {
        var file = $"/proc/{bwrapPid}/task/{bwrapPid}/children";
        var deadline = Environment.TickCount64 + 10_000;
        while (true)
        {
            string text;
            try
            {
                text = File.ReadAllText(file);
            }
            catch (IOException)
            {
                throw new IOException("the sandbox exited before its network was set up");
            }
            var first = text.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (first is not null && int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                return pid;
            if (Environment.TickCount64 > deadline)
                throw new IOException("the sandbox did not start within 10s");
            await Task.Delay(2, cancellationToken);
        }
    }

    private static async Task RunAsync(string program, List<string> args, string input, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true, RedirectStandardInput = true, UseShellExecute = false };
        foreach (var arg in args)
            psi.ArgumentList.Add(arg);
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
            throw new IOException($"{Path.GetFileName(program)} {string.Join(' ', args)} failed: {(await stderr).Trim()}");
    }
}
