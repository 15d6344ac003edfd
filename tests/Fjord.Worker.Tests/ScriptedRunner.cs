using System.Text;
using Fjord.Core.Jobs;
using Fjord.Runtime;

namespace Fjord.Worker.Tests;

/// <summary>
/// A runner whose outcomes the test decides (logic only: the store under it is real). Tracks how
/// many attempts run at once across every runner sharing the same <see cref="Gauge"/>.
/// </summary>
internal sealed class ScriptedRunner(ScriptedRunner.Gauge gauge, Func<RunRequest, CancellationToken, Task<RunResult>> script) : IFunctionRunner
{
    public sealed class Gauge
    {
        private int _now;
        private int _max;

        public int Max => Volatile.Read(ref _max);

        public int Started;

        public IDisposable Enter()
        {
            Interlocked.Increment(ref Started);
            var now = Interlocked.Increment(ref _now);
            int seen;
            while (now > (seen = Volatile.Read(ref _max)) && Interlocked.CompareExchange(ref _max, now, seen) != seen)
            {
            }
            return new Exit(this);
        }

        private sealed class Exit(Gauge gauge) : IDisposable
        {
            public void Dispose() => Interlocked.Decrement(ref gauge._now);
        }
    }

    public async Task<RunResult> RunAsync(RunRequest request, CancellationToken cancellationToken)
    {
        using var _ = gauge.Enter();
        return await script(request, cancellationToken);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    public static RunResult Ok(string output) => new(Encoding.UTF8.GetBytes(output), "text/plain", null, "ran ok", 1);

    public static RunResult Fail(ErrorKind kind, string message) => new([], "text/plain", new JobError(kind, message, 1), "it broke", 1);
}
