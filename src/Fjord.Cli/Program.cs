using System.Runtime.InteropServices;

namespace Fjord.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        using var shutdown = new CancellationTokenSource();
        using var interrupt = OnSignal(PosixSignal.SIGINT, shutdown);
        using var terminate = OnSignal(PosixSignal.SIGTERM, shutdown);
        using var quit = OnSignal(PosixSignal.SIGQUIT, shutdown);
        return await FjordCli.RunAsync(args, CliConsole.FromProcess(), shutdown.Token);
    }

    /// <summary>
    /// The first Ctrl+C / SIGTERM only cancels the token: `fjord up` then drains (running jobs
    /// finish or are handed back) and client commands stop cleanly. A second signal while that
    /// is under way is not held back, so an impatient user can always get out.
    /// </summary>
    private static PosixSignalRegistration OnSignal(PosixSignal signal, CancellationTokenSource shutdown) =>
        PosixSignalRegistration.Create(signal, context =>
        {
            if (shutdown.IsCancellationRequested)
                return;
            context.Cancel = true;
            shutdown.Cancel();
        });
}
