using System.Security.Cryptography;
using System.Text;
using Fjord.Core.Functions;
using Fjord.Core.Jobs;
using Fjord.Core.Secrets;

namespace Fjord.Runtime.Tests;

/// <summary>
/// Secrets reach a function only as /run/secrets/NAME in its real sandbox: not in its environment,
/// not on any process's command line (looked at from the host while it runs, and from inside), not
/// in its log. The function's env is passed as the environment, off every command line too.
/// </summary>
public sealed class SecretTests
{
    private readonly string _secret = "s3cret-" + Guid.NewGuid().ToString("N");
    private readonly string _envValue = "env-value-" + Guid.NewGuid().ToString("N");

    /// <summary>What a secret's file must look like, and what the process must not see: printed by both functions below.</summary>
    private const string ExecScript = """
        set -e
        f=/run/secrets/db-password
        echo "stat $(stat -c '%a %u %g' $f) dir $(stat -c '%a %u' /run/secrets)"
        echo "sha $(sha256sum < $f | cut -d' ' -f1)"
        echo "uid $(id -u)"
        echo "--- environ"; env
        echo "--- cmdlines"; for c in /proc/[0-9]*/cmdline; do tr '\0' ' ' < "$c" 2>/dev/null || true; echo; done
        echo "--- fds"; for fd in /proc/self/fd/*; do readlink "$fd" || true; done
        echo "--- end"
        sleep "${HOLD:-0}"
        """;

    private const string PythonHandler = """
        import hashlib, os, stat

        def handle(payload, context):
            path = "/run/secrets/db-password"
            st = os.stat(path)
            with open(path, "rb") as f:
                value = f.read()
            cmdlines = []
            for pid in os.listdir("/proc"):
                if pid.isdigit():
                    try:
                        with open(f"/proc/{pid}/cmdline", "rb") as c:
                            cmdlines.append(c.read().replace(b"\0", b" ").decode())
                    except OSError:
                        pass
            print("read a secret of", len(value), "bytes")
            return {
                "sha": hashlib.sha256(value).hexdigest(),
                "mode": oct(stat.S_IMODE(st.st_mode)),
                "uid": st.st_uid,
                "me": os.getuid(),
                "environ": dict(os.environ),
                "cmdlines": cmdlines,
            }
        """;

    private string Sha => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(_secret)));

    private RuntimeOptions Options(bool sandbox = true, ISecretReader? reader = null) =>
        Run.Options(sandbox) with { Secrets = reader ?? new Secrets(("db-password", _secret)) };

    [Fact]
    public async Task ExecFunction_ReadsItsSecretFile_0400_OwnedByItsUid_AndTheSecretIsNowhereElse()
    {
        var spec = Run.Exec("/usr/bin/sh", "-c", ExecScript) with
        {
            Secrets = ["db-password"],
            Env = new Dictionary<string, string> { ["API_MODE"] = _envValue, ["HOLD"] = "3" },
        };

        await using var runner = RunnerFactory.Create(spec, null, Options());
        var run = runner.RunAsync(Run.Request("x"), CancellationToken.None);
        var hostView = await HostViewWhileRunningAsync(run);
        var result = await run;

        Assert.True(result.Succeeded, result.Error?.Message + result.Log);
        var output = result.Text();
        Assert.Contains("stat 400 65534 65534 dir 500 65534", output, StringComparison.Ordinal);
        Assert.Contains("sha " + Sha, output, StringComparison.Ordinal);
        Assert.Contains("uid 65534", output, StringComparison.Ordinal);
        // The env reached the function as its environment...
        Assert.Contains("API_MODE=" + _envValue, Section(output, "environ"), StringComparison.Ordinal);
        // ...and neither it nor the secret is on any command line inside, nor the secret in the environment.
        Assert.DoesNotContain(_secret, Section(output, "environ"), StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, Section(output, "cmdlines"), StringComparison.Ordinal);
        Assert.DoesNotContain(_envValue, Section(output, "cmdlines"), StringComparison.Ordinal);
        Assert.Contains("/usr/bin/sh -c", Section(output, "cmdlines"), StringComparison.Ordinal);
        // bwrap closed the memory file it copied the secret from: the function holds no fd to it.
        Assert.DoesNotContain("memfd", Section(output, "fds"), StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, result.Log, StringComparison.Ordinal);

        // From the host, while it ran: its processes were there, and no command line held either value.
        Assert.True(hostView.SawFunction, "the function's processes were not seen from the host");
        Assert.DoesNotContain(_secret, hostView.Cmdlines, StringComparison.Ordinal);
        Assert.DoesNotContain(_envValue, hostView.Cmdlines, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, hostView.Environs, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(RunMode.Warm)]
    [InlineData(RunMode.Fork)]
    public async Task PythonFunction_ReadsItsSecretFile_NotInEnvironmentCmdlineOrLog(RunMode mode)
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", PythonHandler);
        var spec = Run.Shim(FunctionRuntime.Python, mode, "handler.py") with
        {
            Secrets = ["db-password"],
            Env = new Dictionary<string, string> { ["API_MODE"] = _envValue },
        };

        await using var runner = RunnerFactory.Create(spec, folder.Path, Options());
        var result = await runner.RunAsync(Run.Request("x"), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message + result.Log);
        var output = result.Text();
        Assert.Contains($"\"sha\": \"{Sha}\"", output, StringComparison.Ordinal);
        Assert.Contains("\"mode\": \"0o400\"", output, StringComparison.Ordinal);
        Assert.Contains("\"uid\": 65534, \"me\": 65534", output, StringComparison.Ordinal);
        Assert.Contains($"\"API_MODE\": \"{_envValue}\"", output, StringComparison.Ordinal);
        Assert.Contains("read a secret of", result.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, output, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, result.Log, StringComparison.Ordinal);
        Assert.DoesNotContain(_envValue, output[output.IndexOf("\"cmdlines\"", StringComparison.Ordinal)..], StringComparison.Ordinal);
    }

    [Fact]
    public async Task NodeFunction_ReadsItsSecretFile_NotItsEnvironment()
    {
        using var folder = new TempFolder();
        folder.Write("handler.js", """
            const fs = require("fs");
            const crypto = require("crypto");
            exports.handle = async () => {
                const value = fs.readFileSync("/run/secrets/db-password");
                const mode = (fs.statSync("/run/secrets/db-password").mode & 0o777).toString(8);
                return { sha: crypto.createHash("sha256").update(value).digest("hex"), mode, env: process.env };
            };
            """);
        var spec = Run.Shim(FunctionRuntime.Node, RunMode.Warm, "handler.js") with { Secrets = ["db-password"] };

        await using var runner = RunnerFactory.Create(spec, folder.Path, Options());
        var result = await runner.RunAsync(Run.Request("x"), CancellationToken.None);

        Assert.True(result.Succeeded, result.Error?.Message + result.Log);
        Assert.Contains($"\"sha\":\"{Sha}\"", result.Text(), StringComparison.Ordinal);
        Assert.Contains("\"mode\":\"400\"", result.Text(), StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, result.Text() + result.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWarmProcess_KeepsTheValueItStartedWith_ANewProcessGetsTheRotatedOne()
    {
        using var folder = new TempFolder();
        folder.Write("handler.py", PythonHandler);
        var spec = Run.Shim(FunctionRuntime.Python, RunMode.Warm, "handler.py") with { Secrets = ["db-password"] };
        var secrets = new Secrets(("db-password", _secret));
        var options = Options(reader: secrets);

        await using (var runner = RunnerFactory.Create(spec, folder.Path, options))
        {
            Assert.Contains(Sha, (await runner.RunAsync(Run.Request("x"), CancellationToken.None)).Text(), StringComparison.Ordinal);
            secrets.Set("db-password", "rotated");
            // The file is the process's own copy: rotation reaches it when a new process starts (the worker recycles the pool).
            Assert.Contains(Sha, (await runner.RunAsync(Run.Request("x"), CancellationToken.None)).Text(), StringComparison.Ordinal);
        }
        await using (var fresh = RunnerFactory.Create(spec, folder.Path, options))
        {
            var rotated = Convert.ToHexStringLower(SHA256.HashData("rotated"u8));
            Assert.Contains(rotated, (await fresh.RunAsync(Run.Request("x"), CancellationToken.None)).Text(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ASecretThatCannotBeRead_FailsTheStart_WithAClearMessage_AndNoValue()
    {
        var spec = Run.Exec("/usr/bin/cat", "/run/secrets/db-password") with { Secrets = ["db-password"] };

        var missing = await Run.OnceAsync(spec, null, sandbox: true, options: Options(reader: new Secrets()));
        var noKey = await Run.OnceAsync(spec, null, sandbox: true, options: Run.Options(true));
        var unsandboxed = await Run.OnceAsync(spec, null, sandbox: false, options: Options(sandbox: false));

        Assert.Equal(ErrorKind.Crash, missing.Error?.Kind);
        Assert.Contains("secret 'db-password' does not exist", missing.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.Crash, noKey.Error?.Kind);
        Assert.Contains("FJORD_SECRETS_KEY", noKey.Error!.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorKind.Crash, unsandboxed.Error?.Kind);
        Assert.Contains("only inside the bubblewrap sandbox", unsandboxed.Error!.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_secret, unsandboxed.Text() + unsandboxed.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AFunctionWithoutSecrets_HasNoSecretsFolder()
    {
        var spec = Run.Exec("/usr/bin/sh", "-c", "test -e /run/secrets && echo present || echo absent");

        var result = await Run.OnceAsync(spec, null, sandbox: true, options: Options());

        Assert.Equal("absent", result.Text().Trim());
    }

    private static string Section(string output, string name)
    {
        var start = output.IndexOf("--- " + name, StringComparison.Ordinal);
        var end = output.IndexOf("--- ", start + 4, StringComparison.Ordinal);
        return output[start..end];
    }

    /// <summary>Every process's command line and environment on the host, read while the function sleeps at its end (after it read its secret).</summary>
    private static async Task<(bool SawFunction, string Cmdlines, string Environs)> HostViewWhileRunningAsync(Task<RunResult> run)
    {
        var cmdlines = new StringBuilder();
        var environs = new StringBuilder();
        var saw = false;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!run.IsCompleted && DateTime.UtcNow < deadline)
        {
            // The function has read its secret and sleeps: `sleep 3` is its last command.
            var pids = ProcScan.PidsWith("sleep\u00003");
            if (pids.Count > 0)
            {
                saw = true;
                foreach (var dir in Directory.EnumerateDirectories("/proc").Where(d => int.TryParse(Path.GetFileName(d), out _)))
                {
                    cmdlines.AppendLine(TryRead(Path.Combine(dir, "cmdline")));
                    environs.AppendLine(TryRead(Path.Combine(dir, "environ")));
                }
                break;
            }
            await Task.Delay(50);
        }
        return (saw, cmdlines.ToString(), environs.ToString());
    }

    private static string TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return "";
        }
    }

    /// <summary>A secret source for the runner (the store and its encryption have their own tests in Fjord.Backends.Tests).</summary>
    private sealed class Secrets(params (string Name, string Value)[] initial) : ISecretReader
    {
        private readonly Dictionary<string, string> _values = initial.ToDictionary(v => v.Name, v => v.Value);

        public void Set(string name, string value)
        {
            lock (_values)
                _values[name] = value;
        }

        public Task<IReadOnlyList<SecretValue>> ReadAsync(IReadOnlyList<string> names, CancellationToken cancellationToken)
        {
            lock (_values)
            {
                return Task.FromResult<IReadOnlyList<SecretValue>>(names.Select(n => _values.TryGetValue(n, out var v)
                    ? new SecretValue(n, Encoding.UTF8.GetBytes(v))
                    : throw new SecretUnavailableException($"secret '{n}' does not exist")).ToList());
            }
        }
    }
}
