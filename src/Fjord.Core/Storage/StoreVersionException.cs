namespace Fjord.Core.Storage;

/// <summary>
/// The store was written by a newer Fjord (its schema version is beyond what this build knows):
/// opening it could misread or damage it, so this build refuses. Upgrade the binary, or restore a
/// backup taken before the newer one migrated the store.
/// </summary>
public sealed class StoreVersionException : Exception
{
    public StoreVersionException()
    {
    }

    public StoreVersionException(string message)
        : base(message)
    {
    }

    public StoreVersionException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public StoreVersionException(string store, long found, long known)
        : base($"{store} has schema version {found}, newer than this fjord knows ({known}): upgrade fjord, or restore a backup taken before the upgrade")
    {
        Found = found;
        Known = known;
    }

    public long Found { get; }

    public long Known { get; }
}
