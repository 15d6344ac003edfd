using System.Runtime.CompilerServices;

namespace Fjord.Tests.Shared;

/// <summary>
/// Gives the test host's thread pool a floor of 32 workers before any test runs. The test
/// platform and the xunit runner each park a pool thread in a blocking wait for the whole run,
/// and the pool's hill climbing may settle on a target that those parked threads fill: queued
/// work then waits for the starvation check to add a thread, 0.5 to 1 s later. Tests that host
/// a server Fjord's processes call (the fault recorder, callback receivers, proxies) froze
/// every function slot for that long, and throughput measurements read it as Fjord's stall
/// (traced: the recorder accepted connections ~0.8 s after the kernel completed them, while a
/// probe work item queued on the pool waited as long and the Fjord process sat idle).
/// </summary>
internal static class ThreadPoolFloor
{
#pragma warning disable CA2255 // A test assembly is the application its host runs: this is its startup.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));
    }
}
