namespace Fjord.Runtime.Processes;

/// <summary>A function process could not be started at all (no interpreter, cgroup refused, handler failed to load).</summary>
internal sealed class FunctionStartException(string message, Exception? inner = null) : Exception(message, inner);
