using Fjord.Core.Storage;
using Fjord.Gateway.Functions;
using Fjord.Runtime;
using Microsoft.Extensions.Logging;

namespace Fjord.Cli.Up;

/// <summary>The operator's sandbox and capacity flags, parsed.</summary>
internal sealed record SandboxArguments(bool AllowUnsandboxed = false, bool AllowHostNetwork = false, long? MaxMemoryBytes = null, int? MaxProcesses = null, double? DefaultCpu = null)
{
    public DeployCaps Caps => new() { MaxMemoryBytes = MaxMemoryBytes, MaxProcesses = MaxProcesses };
}

/// <summary>
/// The sandbox of a node that runs functions (`fjord up`, `fjord worker`): probed once, and
/// fail-closed. Without bubblewrap, the seccomp filter or the memory, pids and cpu cgroup
/// controllers the node refuses to start (exit 1, one line naming what is missing and the fix)
/// unless the operator passed --allow-unsandboxed, which the startup line and /readyz then say loudly.
/// </summary>
internal static class NodeSandbox
{
    /// <param name="dataDir">Identifies the node across restarts: what a previous run of it left in its cgroups is killed here.</param>
    public static Sandbox Open(SandboxArguments args, string dataDir, ILogger logger)
    {
        // Only the one node that holds the data folder may sweep its cgroups: a second process
        // pointed at the same folder (two workers, by mistake) gets groups of its own instead.
        var sandbox = Sandbox.Detect(owner: HoldFolder(dataDir) ? dataDir : null);
        var (killed, removed, kept) = sandbox.Leftovers;
        if (killed + removed + kept > 0)
            NodeSandboxLog.Leftovers(logger, killed, removed, kept);
        if (args.MaxMemoryBytes is { } cap)
            sandbox.CapMemory(cap);
        if (sandbox.Status.Complete)
            return sandbox;
        var missing = sandbox.Status.Warning ?? "the sandbox is incomplete";
        if (!args.AllowUnsandboxed)
        {
            // The first failing line of `fjord doctor`, which names its fix.
            var first = Doctor.NodeChecks.Sandbox(sandbox.Status, Environment.IsPrivilegedProcess).FirstOrDefault(c => !c.Ok)?.Line ?? missing;
            throw CliException.Failed($"refusing to run functions unsandboxed: doctor: {first}. Fix that, or start with --allow-unsandboxed to run them with this node's rights");
        }
        NodeSandboxLog.Unsandboxed(logger, missing);
        Console.Out.WriteLine($"WARNING: UNSANDBOXED (--allow-unsandboxed): {missing}");
        return sandbox;
    }

    private static FileStream? _lock;

    private static bool HoldFolder(string dataDir)
    {
        try
        {
            if (_lock is null)
            {
                // Created 0600 like every other file of the data folder (docs/security.md).
                var path = Path.Combine(dataDir, "sandbox.lock");
                PrivateFiles.EnsureFile(path);
                _lock = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            }
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

internal static partial class NodeSandboxLog
{
    [LoggerMessage(EventId = 10, Level = LogLevel.Warning, Message = "Function processes are not fully contained (--allow-unsandboxed): {Reason}")]
    public static partial void Unsandboxed(ILogger logger, string reason);

    [LoggerMessage(EventId = 11, Level = LogLevel.Warning, Message = "A previous run of this node left {Killed} process(es) in its cgroups: killed; {Removed} group(s) removed, {Kept} could not be removed yet")]
    public static partial void Leftovers(ILogger logger, int killed, int removed, int kept);
}
