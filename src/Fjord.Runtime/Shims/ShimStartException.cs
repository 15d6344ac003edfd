using Fjord.Core.Jobs;

namespace Fjord.Runtime.Shims;

/// <summary>A shim process never became ready: the interpreter did not start, or the handler failed to load.</summary>
internal sealed class ShimStartException(JobError error, string log) : Exception(error.Message)
{
    public JobError Error { get; } = error;
    public string Log { get; } = log;
}
