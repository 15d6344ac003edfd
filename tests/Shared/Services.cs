using System.Diagnostics;

namespace Fjord.Tests.Shared;

/// <summary>
/// The private RabbitMQ node and PostgreSQL cluster of the scale-out tests, started once per test
/// process by <c>scripts/services.sh start</c> (which installs RabbitMQ when missing) and stopped
/// at process exit if this process started them. A CI script may start them beforehand and set
/// FJORD_SERVICES_DIR; they are then reused and left running.
/// </summary>
internal static class Services
{
    private static readonly Lazy<IReadOnlyDictionary<string, string>> Env = new(Start, LazyThreadSafetyMode.ExecutionAndPublication);

    public static string BrokerUri => Env.Value["FJORD_TEST_BROKER"];

    public static string StoreUri => Env.Value["FJORD_TEST_STORE"];

    /// <summary>The same broker's TLS listener: <c>amqps://…@localhost:PORT/fjord</c>.</summary>
    public static string BrokerTlsUri => Env.Value["FJORD_TEST_BROKER_TLS"];

    /// <summary>The CA that signed both servers' TLS certificate (made by services.sh with openssl).</summary>
    public static string TlsCa => Env.Value["FJORD_TEST_TLS_CA"];

    public static string RabbitNode => Env.Value["FJORD_TEST_RABBIT_NODE"];

    public static string Dir => Env.Value["FJORD_TEST_SERVICES_DIR"];

    /// <summary>The private redis-server (AOF, appendfsync always, noeviction) as its least-privilege user.</summary>
    public static string RedisUri => Env.Value["FJORD_TEST_REDIS"];

    /// <summary>The same server's TLS port by host name (<c>rediss://fjord:…@localhost:PORT</c>), its certificate signed by <see cref="TlsCa"/>.</summary>
    public static string RedisTlsUri => Env.Value["FJORD_TEST_REDIS_TLS"];

    /// <summary>The same server as its admin user: for test hooks only (ACL users, faults).</summary>
    public static string RedisAdminUri => Env.Value["FJORD_TEST_REDIS_ADMIN"];

    public static string RepoRoot
    {
        get
        {
            var dir = AppContext.BaseDirectory;
            while (!File.Exists(Path.Combine(dir, "Fjord.sln")))
                dir = Path.GetDirectoryName(dir) ?? throw new InvalidOperationException("Fjord.sln not found above the test binaries");
            return dir;
        }
    }

    private static IReadOnlyDictionary<string, string> Start()
    {
        var dir = Environment.GetEnvironmentVariable("FJORD_SERVICES_DIR") ?? Path.Combine(Path.GetTempPath(), "fjord-services-" + Environment.ProcessId);
        var reuse = File.Exists(Path.Combine(dir, "env"));
        var output = Run("start", dir);
        if (!reuse)
            AppDomain.CurrentDomain.ProcessExit += (_, _) => Run("stop", dir);
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && line.StartsWith("FJORD_TEST_", StringComparison.Ordinal))
                env[line[..eq]] = line[(eq + 1)..];
        }
        if (!env.ContainsKey("FJORD_TEST_BROKER"))
            throw new InvalidOperationException($"scripts/services.sh start printed no URIs:\n{output}");
        return env;
    }

    /// <summary>rabbitmqctl with <paramref name="args"/> against the private broker node.</summary>
    public static string RabbitCtl(params string[] args) => Run("ctl", Dir, args);

    public static string Run(string command, string dir, params string[] args)
    {
        var script = Path.Combine(RepoRoot, "scripts", "services.sh");
        using var process = Process.Start(new ProcessStartInfo("bash", [script, command, dir, .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"services.sh {command} did not finish");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"services.sh {command} failed ({process.ExitCode}): {stderr.Result}");
        return stdout.Result;
    }
}
