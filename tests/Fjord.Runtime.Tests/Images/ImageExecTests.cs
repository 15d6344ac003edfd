using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Secrets;

namespace Fjord.Runtime.Tests.Images;

/// <summary>
/// An exec image (Debian's static busybox, built in the test) run as a fork-mode function in the
/// real sandbox: the image's root is the process's read-only <c>/</c>, with its Entrypoint, Cmd,
/// Env, WorkingDir and User.
/// </summary>
public sealed class ImageExecTests
{
    private static FunctionSpec Spec(params string[] command) => Run.Exec(command) with { Name = "t-image" };

    private static async Task<RunResult> RunAsync(object config, FunctionSpec? spec = null, string payload = "", RuntimeOptions? options = null)
    {
        using var image = BuiltImage.Create(config, Layers.Busybox());
        return await RunInAsync(image, spec ?? Spec(), payload, options);
    }

    private static async Task<RunResult> RunInAsync(BuiltImage image, FunctionSpec spec, string payload = "", RuntimeOptions? options = null)
    {
        await using var runner = RunnerFactory.Create(spec, null, options ?? Run.Options(true), image.Root);
        return await runner.RunAsync(Run.Request(payload), CancellationToken.None);
    }

    [Fact]
    public async Task Entrypoint_ReadsThePayloadOnStdin_AndAnswersOnStdout()
    {
        var result = await RunAsync(new { Entrypoint = new[] { "/bin/cat" }, Cmd = new[] { "-" } }, payload: "hello image");

        Assert.Null(result.Error);
        Assert.Equal("hello image", result.Text());
    }

    [Fact]
    public async Task Command_IsEntrypointThenCmd_CmdAlone_OrTheFunctionsOwn()
    {
        var both = await RunAsync(new { Entrypoint = new[] { "/bin/echo", "entry" }, Cmd = new[] { "cmd" } });
        var cmdOnly = await RunAsync(new { Cmd = new[] { "/bin/echo", "cmd-only" } });
        var overridden = await RunAsync(new { Entrypoint = new[] { "/bin/echo", "entry" }, Cmd = new[] { "cmd" } }, Spec("/bin/echo", "function"));
        var nothing = await RunAsync(new { Env = new[] { "PATH=/bin" } });

        Assert.Equal("entry cmd\n", both.Text());
        Assert.Equal("cmd-only\n", cmdOnly.Text());
        Assert.Equal("function\n", overridden.Text());
        Assert.Equal(ErrorKind.Crash, nothing.Error?.Kind);
        Assert.Contains("no Entrypoint or Cmd", nothing.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Process_GetsTheImagesEnvUnderTheFunctions_WorkingDirAndUser()
    {
        var config = new
        {
            Entrypoint = new[] { "sh", "-c" },
            Cmd = new[] { "echo $GREETING $SHARED $(pwd) $(id -u):$(id -g) $HOME $FJORD_FUNCTION; cat data.txt" },
            Env = new[] { "PATH=/bin", "GREETING=hej", "SHARED=image", "FJORD_FUNCTION=spoofed" },
            WorkingDir = "/work",
            User = "app",
        };
        var spec = Spec() with { Env = new Dictionary<string, string> { ["SHARED"] = "function" } };

        var result = await RunAsync(config, spec);

        Assert.Null(result.Error);
        // A bare "sh" is found on the image's PATH; the function's SHARED wins; FJORD_* stays Fjord's.
        Assert.Equal("hej function /work 1000:1001 /home/app t-image\nin the image\n", result.Text());
    }

    [Theory]
    [InlineData("app", "1000:1001")]
    [InlineData("1000:staff", "1000:1001")]
    [InlineData("app:10", "1000:10")]
    [InlineData("4242", "4242:65534")]
    [InlineData("", "65534:65534")]
    [InlineData("root", "0:0")]
    public async Task User_IsLookedUpInTheImage_AndRunsWithoutCapabilities(string user, string expected)
    {
        var config = new { Cmd = new[] { "/bin/sh", "-c", "echo $(id -u):$(id -g); grep CapEff /proc/self/status" }, User = user };

        var result = await RunAsync(config);

        Assert.Null(result.Error);
        Assert.Equal($"{expected}\nCapEff:\t0000000000000000\n", result.Text());
    }

    [Fact]
    public async Task User_NotInTheImage_FailsTheStartWithAClearError()
    {
        var result = await RunAsync(new { Cmd = new[] { "/bin/true" }, User = "nosuch" });

        Assert.Equal(ErrorKind.Crash, result.Error?.Kind);
        Assert.Contains("'nosuch'", result.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("/etc/passwd", result.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Root_IsReadOnly_TmpIsWritableAndSizeCapped()
    {
        const string script = "touch /etc/x 2>/dev/null && echo etc-writable; touch /work/x 2>/dev/null && echo work-writable; "
            + "touch /x 2>/dev/null && echo root-writable; mkdir /newdir 2>/dev/null && echo mkdir-worked; "
            + "echo ok > /tmp/t && cat /tmp/t; dd if=/dev/zero of=/tmp/big bs=1024 count=4096 2>/dev/null || echo tmp-full";
        var options = Run.Options(true) with { TmpBytes = 1024 * 1024 };

        var result = await RunAsync(new { Cmd = new[] { "/bin/sh", "-c", script } }, options: options);

        Assert.Null(result.Error);
        Assert.Equal("ok\ntmp-full\n", result.Text());
    }

    [Fact]
    public async Task HostFiles_AreNotVisible_OnlyTheImages()
    {
        using var image = BuiltImage.Create(new { Cmd = new[] { "/bin/true" } }, Layers.Busybox());
        var probe = string.Join("; ", new[] { "/etc/shadow", "/etc/hostname", "/etc/ld.so.cache", Path.Combine(image.HostOnly, "node-data.txt"), Path.Combine(image.Root.RootPath, "etc/image-release") }
            .Select(p => $"cat {p} 2>/dev/null && echo LEAK:{p}"));
        var script = $"{probe}; ls -d /usr /root 2>/dev/null && echo LEAK:ls; echo /*; cat /etc/image-release";
        Assert.True(File.Exists("/etc/shadow"));

        var result = await RunInAsync(image, Spec("/bin/sh", "-c", script));

        Assert.Null(result.Error);
        // The image's entries, and what the sandbox provides: /dev, /proc, /tmp, the shims at /fjord.
        Assert.Equal("/bin /dev /etc /fjord /home /proc /tmp /work\nbusybox test image\n", result.Text());
    }

    [Fact]
    public async Task Timeout_KillsTheImagesProcessTree()
    {
        var spec = Spec("/bin/sh", "-c", "sleep 30 & sleep 30") with { Timeout = TimeSpan.FromSeconds(1) };
        var started = System.Diagnostics.Stopwatch.StartNew();

        var result = await RunAsync(new { Cmd = new[] { "/bin/true" } }, spec);

        Assert.Equal(ErrorKind.Timeout, result.Error?.Kind);
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(10), started.Elapsed.ToString());
    }

    [Fact]
    public async Task NetworkFunction_GetsFjordsResolvConf_AndKeepsTheImagesEtc()
    {
        Assert.True(Sandbox.Host.Status.PrivateNetwork, "slirp4netns is needed for network: true");
        var spec = Spec("/bin/sh", "-c", "cat /etc/resolv.conf /etc/image-release; cat /etc/passwd | wc -l; touch /etc/x 2>/dev/null || echo etc-read-only") with { Network = true };

        var result = await RunAsync(new { Cmd = new[] { "/bin/true" } }, spec);

        Assert.Null(result.Error);
        Assert.Equal("nameserver 10.0.2.3\nbusybox test image\n2\netc-read-only\n", result.Text());
    }

    [Fact]
    public async Task Secrets_AreFilesUnderRunSecrets_ReadableByTheImagesUser()
    {
        var spec = Spec("/bin/sh", "-c", "cat /run/secrets/api-token; echo; stat -c '%u %a' /run/secrets/api-token") with { Secrets = ["api-token"] };
        var options = Run.Options(true) with { Secrets = new OneSecret("api-token", "s3cret") };

        var result = await RunAsync(new { Cmd = new[] { "/bin/true" }, User = "app" }, spec, options: options);

        Assert.Null(result.Error);
        Assert.Equal("s3cret\n1000 400\n", result.Text());
    }

    private sealed class OneSecret(string name, string value) : ISecretReader
    {
        public Task<IReadOnlyList<SecretValue>> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken) =>
            Task.FromResult<IReadOnlyList<SecretValue>>([.. names.Where(n => n == name).Select(n => new SecretValue(n, Encoding.UTF8.GetBytes(value)))]);
    }
}
