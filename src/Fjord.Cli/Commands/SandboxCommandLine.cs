using System.CommandLine;
using System.Globalization;
using Fjord.Cli.Up;
using Fjord.Core.Functions;

namespace Fjord.Cli.Commands;

/// <summary>The sandbox and capacity flags `fjord up`, `fjord worker` and `fjord gateway` share.</summary>
internal sealed class SandboxCommandLine
{
    private readonly Option<bool> _allowUnsandboxed = new("--allow-unsandboxed")
    {
        Description = "Start even when bubblewrap, the seccomp filter or the cgroup controllers are unusable: functions then run with this node's rights (reported on /readyz)",
    };

    private readonly Option<bool> _allowHostNetwork = new("--allow-host-network")
    {
        Description = "Let network: true functions share this node's network, its loopback services and 169.254.169.254 included, instead of a network of their own",
    };

    private readonly Option<string?> _maxMemory = new("--max-memory")
    {
        Description = "Refuse deploys whose memory × concurrency, summed over every function, exceeds this (e.g. 8Gi); on a node that runs functions, also the kernel's cap on their memory together",
    };

    private readonly Option<int?> _maxProcesses = new("--max-processes")
    {
        Description = "Function processes at once on this node, over every pool (elastic pools share what is left above their min by queue age); a gateway refuses deploys whose min (or fixed concurrency), summed over every function, exceeds it",
    };

    private readonly Option<double?> _defaultCpu = new("--default-cpu")
    {
        Description = "CPU quota in cores for functions that set no cpu (e.g. 1 or 0.5; default: none)",
    };

    /// <summary>
    /// Adds the flags to <paramref name="command"/>: the sandbox flags where it
    /// <paramref name="runsFunctions"/> (up, worker), the deploy caps where it
    /// <paramref name="validatesDeploys"/> (up, gateway), and --max-memory to both (a worker caps
    /// its functions' cgroups with it).
    /// </summary>
    public void AddTo(Command command, bool runsFunctions, bool validatesDeploys)
    {
        _runsFunctions = runsFunctions;
        _validatesDeploys = validatesDeploys;
        if (runsFunctions)
        {
            command.Options.Add(_allowUnsandboxed);
            command.Options.Add(_allowHostNetwork);
            command.Options.Add(_defaultCpu);
        }
        command.Options.Add(_maxMemory);
        if (validatesDeploys || runsFunctions)
            command.Options.Add(_maxProcesses);
    }

    private bool _runsFunctions;
    private bool _validatesDeploys;

    public SandboxArguments Parse(ParseResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        long? maxMemory = null;
        if (result.GetValue(_maxMemory) is { } text)
        {
            maxMemory = Quantity.TryParseBytes(text, out var bytes) && bytes > 0
                ? bytes
                : throw CliException.Usage($"--max-memory '{text}' is not a size like 8Gi or 512Mi");
        }
        var maxProcesses = _validatesDeploys || _runsFunctions ? result.GetValue(_maxProcesses) : null;
        if (maxProcesses is < 1)
            throw CliException.Usage("--max-processes must be at least 1");
        if (!_runsFunctions)
            return new SandboxArguments(MaxMemoryBytes: maxMemory, MaxProcesses: maxProcesses);
        var cpu = result.GetValue(_defaultCpu);
        if (cpu is { } c && (double.IsNaN(c) || c < 0.01 || c > 1024))
            throw CliException.Usage($"--default-cpu {c.ToString(CultureInfo.InvariantCulture)} must be between 0.01 and 1024 cores");
        return new SandboxArguments(result.GetValue(_allowUnsandboxed), result.GetValue(_allowHostNetwork), maxMemory, maxProcesses, cpu);
    }
}
