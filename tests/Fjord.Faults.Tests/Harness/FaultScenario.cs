namespace Fjord.Faults.Tests.Harness;

/// <summary>
/// The fixture every scenario shares: a temp folder, a recorder, the generated project, a real
/// node, a load generator pointed at it. Disposing kills the node by PID and removes the folder,
/// whatever happened in the test.
/// </summary>
internal sealed class FaultScenario : IAsyncDisposable
{
    private FaultScenario(TempDir dir, Recorder recorder)
    {
        Dir = dir;
        Recorder = recorder;
    }

    public TempDir Dir { get; }

    public Recorder Recorder { get; }

    public FjordNode Node { get; private set; } = null!;

    public LoadGenerator Load { get; private set; } = null!;

    public static async Task<FaultScenario> StartAsync(
        RecorderFunction[] functions,
        IReadOnlyDictionary<string, string>? environment = null,
        string? dataDir = null,
        TimeSpan? requestTimeout = null)
    {
        var scenario = new FaultScenario(new TempDir(), new Recorder());
        try
        {
            var yml = RecorderProject.Write(scenario.Dir.Path, scenario.Recorder.Port, functions);
            // The recorder reports to a listener on the host's loopback, which network: true no
            // longer reaches unless the operator opens the node's own network to functions.
            scenario.Node = await FjordNode.StartAsync(dataDir ?? scenario.Dir.Combine("data"), yml, environment, ["--allow-host-network"]);
            scenario.Load = new LoadGenerator(scenario.Node.BaseAddress, requestTimeout ?? TimeSpan.FromSeconds(10));
            return scenario;
        }
        catch
        {
            await scenario.DisposeAsync();
            throw;
        }
    }

    /// <summary>Waits for the functions' queues to drain, then joins the three views into a report.</summary>
    public async Task<FaultReport> SettleAndCheckAsync(string name, TimeSpan settle, Func<string, bool>? meantToFail, params string[] functions)
    {
        await JobsApi.WaitSettledAsync(Node.Http, settle, functions);
        var stored = new List<JobDto>();
        foreach (var f in functions)
            stored.AddRange(await JobsApi.ListAllAsync(Node.Http, f));
        return Checker.Check(name, Load.Sent, Recorder.Marks, stored, meantToFail);
    }

    public async ValueTask DisposeAsync()
    {
        if (Node is not null)
            await Node.DisposeAsync();
        Load?.Dispose();
        await Recorder.DisposeAsync();
        Dir.Dispose();
    }
}
