using System.Net;
using System.Net.Sockets;
using Fjord.Core.Jobs;

namespace Fjord.Runtime.Tests;

/// <summary>What a sandboxed function cannot do. Each test also runs unsandboxed as a control, so it fails if the check itself is broken.</summary>
public sealed class SandboxTests
{
    [Fact]
    public void Host_IsIsolatedAndLimited_OnThisMachine()
    {
        var status = Sandbox.Host.Status;

        Assert.True(status.Isolated, status.Warning);
        Assert.True(status.Limited, status.Warning);
        Assert.Null(status.Warning);
    }

    [Fact]
    public async Task Readiness_WarnsButStaysReady_WithoutBubblewrap()
    {
        var missing = Sandbox.Detect(bwrapPath: "/nonexistent/bwrap");

        var readiness = await new SandboxReadiness(missing).CheckAsync(CancellationToken.None);

        Assert.False(missing.Status.Isolated);
        Assert.True(readiness.Ready);
        Assert.True(readiness.Warning);
        Assert.Contains("UNSANDBOXED", readiness.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Readiness_WarnsAboutLimits_WithoutCgroups()
    {
        using var folder = new TempFolder();
        var noCgroups = Sandbox.Detect(cgroupRoot: folder.Path);

        var readiness = await new SandboxReadiness(noCgroups).CheckAsync(CancellationToken.None);

        Assert.False(noCgroups.Status.Limited);
        Assert.True(readiness.Warning);
        Assert.Contains("cgroup", readiness.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CannotConnectToHostLoopback_InSandbox()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var connect = Run.Exec("/usr/bin/python3", "-c", $"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')");

        var plain = await Run.OnceAsync(connect, null, sandbox: false);
        var boxed = await Run.OnceAsync(connect, null, sandbox: true);

        Assert.Equal("connected", plain.Text().Trim());
        Assert.Equal(ErrorKind.Exit, boxed.Error?.Kind);
        Assert.DoesNotContain("connected", boxed.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_NetworkFunction_CannotReachHostLoopbackOrMetadata_UnlessHostNetworkAllowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        // 127.0.0.1 inside is the namespace's own; 10.0.2.2 is slirp4netns's way to the host's loopback.
        var connect = Run.Exec("/usr/bin/python3", "-c", $$"""
            import socket
            for host in ["127.0.0.1", "10.0.2.2", "169.254.169.254"]:
                try:
                    socket.create_connection((host, {{port}} if host != "169.254.169.254" else 80), timeout=3).close()
                    print(host, "connected")
                except OSError as e:
                    print(host, "refused", e.errno)
            print("done")
            """) with { Network = true };

        var own = await Run.OnceAsync(connect, null, sandbox: true);
        var shared = await Run.OnceAsync(connect, null, sandbox: true, options: Run.Options(true) with { HostNetwork = true });

        Assert.True(Sandbox.Host.Status.PrivateNetwork, Sandbox.Host.Status.Detail);
        Assert.Null(own.Error);
        Assert.Contains("done", own.Text(), StringComparison.Ordinal);
        Assert.DoesNotContain("connected", own.Text(), StringComparison.Ordinal);
        Assert.Contains("169.254.169.254 refused 13", own.Text(), StringComparison.Ordinal); // EACCES: the prohibit route
        Assert.Contains("127.0.0.1 connected", shared.Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_CannotReadShadow_InSandbox()
    {
        var cat = Run.Exec("/bin/cat", "/etc/shadow");

        var plain = await Run.OnceAsync(cat, null, sandbox: false);
        var boxed = await Run.OnceAsync(cat, null, sandbox: true);

        Assert.Null(plain.Error);
        Assert.True(ErrorKind.Exit == boxed.Error?.Kind, $"{boxed.Error} {boxed.Log}");
        Assert.Empty(boxed.Output);
    }

    [Fact]
    public async Task RunAsync_CannotSeeDataFolder_InSandbox()
    {
        using var data = new TempFolder();
        var secret = data.Write("fjord.db", "job rows");
        using var function = new TempFolder();
        var cat = Run.Exec("/bin/cat", secret);

        var plain = await Run.OnceAsync(cat, function.Path, sandbox: false);
        var boxed = await Run.OnceAsync(cat, function.Path, sandbox: true);

        Assert.Equal("job rows", plain.Text());
        Assert.Equal(ErrorKind.Exit, boxed.Error?.Kind);
        Assert.Contains("No such file", boxed.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_RunsAsNonRootWithoutCapabilities_InSandbox()
    {
        var id = Run.Exec("/bin/sh", "-c", "id -u; grep CapEff /proc/self/status");

        var boxed = await Run.OnceAsync(id, null, sandbox: true);

        var lines = boxed.Text().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("65534", lines[0]);
        Assert.Equal("CapEff:\t0000000000000000", lines[1]);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RunAsync_FunctionIgnoresTheTerminalsSignals(bool sandbox)
    {
        // A Ctrl-C at the terminal of `fjord up` signals the node's whole process group: the node
        // drains, and its functions must not die mid-job meanwhile.
        var show = Run.Exec("/bin/sh", "-c", "grep SigIgn /proc/self/status");

        var result = await Run.OnceAsync(show, null, sandbox);

        var ignored = Convert.ToUInt64(result.Text().Split('\t')[1].Trim(), 16);
        const ulong Int = 1UL << (2 - 1), Quit = 1UL << (3 - 1), Tstp = 1UL << (20 - 1);
        Assert.Equal(Int | Quit | Tstp, ignored & (Int | Quit | Tstp));
    }

    [Fact]
    public async Task RunAsync_FunctionFolderIsReadOnly_AndTmpIsPrivate()
    {
        using var function = new TempFolder();
        var write = Run.Exec("/bin/sh", "-c", "echo x > /tmp/scratch && cat /tmp/scratch; echo y > /fn/new.txt");

        var boxed = await Run.OnceAsync(write, function.Path, sandbox: true);

        Assert.Equal("x", boxed.Text().Trim());
        Assert.Equal(ErrorKind.Exit, boxed.Error?.Kind);
        Assert.False(File.Exists(Path.Combine(function.Path, "new.txt")));
    }

    [Fact]
    public async Task RunAsync_ExplainsPrivateFunctionFolder_InSandbox()
    {
        using var function = new TempFolder();
        File.SetUnixFileMode(function.Path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var result = await Run.OnceAsync(Run.Exec("/bin/true"), function.Path, sandbox: true);

        Assert.Equal(ErrorKind.Crash, result.Error?.Kind);
        Assert.Contains("not readable by the sandbox user", result.Error?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_FailsAsMemory_WhenOverLimit(bool sandbox)
    {
        var hog = Run.Exec("/usr/bin/python3", "-c", "x = bytearray(1024 * 1024 * 1024); print(len(x))") with { MemoryBytes = 64L * 1024 * 1024 };

        var result = await Run.OnceAsync(hog, null, sandbox);

        Assert.Equal(ErrorKind.Memory, result.Error?.Kind);
    }

    [Fact]
    public async Task RunAsync_RunsAtFullMemory_WithoutLimits()
    {
        var hog = Run.Exec("/usr/bin/python3", "-c", "x = bytearray(256 * 1024 * 1024); print(len(x))") with { MemoryBytes = 64L * 1024 * 1024 };

        var result = await Run.OnceAsync(hog, null, false, options: Run.Options(false) with { Limits = false });

        Assert.Null(result.Error);
    }

    [Fact]
    public async Task RunAsync_StopsForkBomb_AtPidsLimit()
    {
        var spec = Run.Exec("/bin/sh", "-c", "i=0; while [ $i -lt 100 ]; do sleep 5 & i=$((i+1)); done; wait") with { Timeout = TimeSpan.FromSeconds(20) };

        var result = await Run.OnceAsync(spec, null, false, options: Run.Options(false) with { PidsLimit = 20 });

        Assert.Contains("fork", result.Log, StringComparison.OrdinalIgnoreCase);
    }
}
