using Fjord.Core.Functions;
using Fjord.Core.Jobs;

namespace Fjord.Runtime.Processes;

/// <summary>Turns how a process ended into the job's error kind.</summary>
internal static class ExitClassifier
{
    /// <summary>
    /// .NET (like a shell, and like bwrap for its child) reports death by signal N as exit code
    /// 128+N, so 129..192 is read as a signal. A program that exits with such a code on purpose is
    /// reported as a crash: the cost of not reaping the process ourselves.
    /// </summary>
    public static JobError Classify(int exitCode, bool oomKilled, long memoryLimit)
    {
        if (oomKilled)
            return new JobError(ErrorKind.Memory, $"killed by the kernel for exceeding its memory limit of {Quantity.FormatBytes(memoryLimit)}", exitCode);
        if (exitCode is > 128 and <= 192)
        {
            var signal = exitCode - 128;
            return new JobError(ErrorKind.Crash, $"killed by signal {signal} ({SignalName(signal)})", exitCode);
        }
        return new JobError(ErrorKind.Exit, $"exited with code {exitCode}", exitCode);
    }

    private static string SignalName(int signal) => signal switch
    {
        1 => "SIGHUP",
        2 => "SIGINT",
        3 => "SIGQUIT",
        4 => "SIGILL",
        6 => "SIGABRT",
        7 => "SIGBUS",
        8 => "SIGFPE",
        9 => "SIGKILL",
        11 => "SIGSEGV",
        13 => "SIGPIPE",
        15 => "SIGTERM",
        24 => "SIGXCPU",
        25 => "SIGXFSZ",
        31 => "SIGSYS",
        _ => "signal " + signal,
    };
}
