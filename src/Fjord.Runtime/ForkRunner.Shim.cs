using Fjord.Runtime.Processes;
using Fjord.Runtime.Shims;

namespace Fjord.Runtime;

internal sealed partial class ForkRunner
{
    /// <summary>Python or node in fork mode: a fresh shim process that runs this one job and exits.</summary>
    private async Task<RunResult> RunShimOnceAsync(RunRequest request, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(spec.Timeout);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        ShimSession session;
        try
        {
            session = await ShimSession.StartAsync(spec, functionDir, options, request, once: true, linked.Token, _image?.Value);
        }
        catch (FunctionStartException e)
        {
            _health.StartFailed(e.Message);
            return StartFailed(e);
        }
        catch (ShimStartException e)
        {
            var failed = new RunResult([], OctetStream, e.Error, e.Log, 0);
            _health.Finished(failed);
            return failed;
        }
        catch (OperationCanceledException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            return Timeout("", 0);
        }

        _health.Started(session.Pid);
        await using (session)
        {
            try
            {
                var result = await session.RunAsync(request, linked.Token);
                _health.Finished(result);
                return result;
            }
            catch (OperationCanceledException)
            {
                session.Kill();
                var log = await session.KilledLogAsync();
                cancellationToken.ThrowIfCancellationRequested();
                return Timeout(log, session.Pid);
            }
            finally
            {
                _health.Stopped();
            }
        }
    }
}
