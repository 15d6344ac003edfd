using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Fjord.Runtime;

/// <summary>How runners start function processes on this node.</summary>
public sealed record RuntimeOptions
{
    /// <summary>Run function processes in bubblewrap when the host allows it (see <see cref="Fjord.Runtime.Sandbox.Status"/>).</summary>
    public bool Sandbox { get; init; } = true;

    /// <summary>Put every function process in its own cgroup with the spec's memory limit, when the host allows it.</summary>
    public bool Limits { get; init; } = true;

    /// <summary>The probed host; null means <see cref="Fjord.Runtime.Sandbox.Host"/>.</summary>
    public Sandbox? Host { get; init; }

    /// <summary>The shims (python/, node/, php/); shipped beside this assembly.</summary>
    public string RuntimesDir { get; init; } = Path.Combine(AppContext.BaseDirectory, "runtimes");

    /// <summary>Where unsandboxed processes without a function folder get their private working folder.</summary>
    public string TempRoot { get; init; } = Path.GetTempPath();

    public int MaxOutputBytes { get; init; } = 6 * 1024 * 1024;
    public int MaxLogBytes { get; init; } = 64 * 1024;
    public int PidsLimit { get; init; } = 256;

    /// <summary>The node's default CPU quota in cores per process (1.5 = one and a half cores), for functions without <c>cpu</c>; null = no quota.</summary>
    public double? CpuCores { get; init; }

    /// <summary>
    /// The operator's <c>--allow-host-network</c>: <c>network: true</c> functions share the node's
    /// network (its loopback services and 169.254.169.254 included) instead of getting their own.
    /// </summary>
    public bool HostNetwork { get; init; }

    /// <summary>Size of the sandbox's private /tmp (a tmpfs, charged to the process's memory).</summary>
    public long TmpBytes { get; init; } = 64L * 1024 * 1024;

    public string PythonPath { get; init; } = "/usr/bin/python3";
    public string NodePath { get; init; } = "/usr/bin/node";
    public string PhpPath { get; init; } = "/usr/bin/php";

    /// <summary>How long a warm process may take to load its handler before its first job (not counted in the job's timeout).</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public ILogger Logger { get; init; } = NullLogger.Instance;

    /// <summary>
    /// Where a function's secrets come from, read and decrypted at every process start (so a fork
    /// function sees a rotated secret at its next job); null when this node has no secrets key.
    /// </summary>
    public Fjord.Core.Secrets.ISecretReader? Secrets { get; init; }
    /// <summary>Hears how long each warm process took from start to ready (handler loaded), per function.</summary>
    public Action<string, TimeSpan>? ColdStart { get; init; }

    internal Sandbox ResolvedHost => Host ?? Fjord.Runtime.Sandbox.Host;
}
