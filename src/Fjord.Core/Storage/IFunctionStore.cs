using Fjord.Core.Functions;

namespace Fjord.Core.Storage;

/// <summary>Deployed functions and their code bundles. Workers learn what to run from here.</summary>
public interface IFunctionStore
{
    /// <summary>Creates or replaces the function; true when it was created. Keeps the paused flag of an existing one.</summary>
    Task<bool> PutFunctionAsync(FunctionSpec spec, CancellationToken cancellationToken);

    Task<FunctionState?> GetFunctionAsync(string name, CancellationToken cancellationToken);

    Task<IReadOnlyList<FunctionState>> ListFunctionsAsync(CancellationToken cancellationToken);

    /// <summary>Removes the function; its job records stay. False when there was none.</summary>
    Task<bool> DeleteFunctionAsync(string name, CancellationToken cancellationToken);

    /// <summary>Pause stops dispatch; intake keeps accepting. False when there is no such function.</summary>
    Task<bool> SetPausedAsync(string name, bool paused, CancellationToken cancellationToken);

    /// <summary>Stores a zip bundle under its content hash (sha256 hex). Storing the same hash twice is a no-op.</summary>
    Task PutBundleAsync(string hash, byte[] zip, CancellationToken cancellationToken);

    Task<byte[]?> GetBundleAsync(string hash, CancellationToken cancellationToken);
}

public sealed record FunctionState(FunctionSpec Spec, bool Paused, DateTimeOffset UpdatedAt);
