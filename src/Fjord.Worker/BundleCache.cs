using Fjord.Core.Functions;
using Fjord.Core.Storage;

namespace Fjord.Worker;

/// <summary>
/// Unpacks function bundles by content hash into <c>{BundleDir}/{hash}/</c>. A hash names its
/// content, so a folder once complete never changes and pools of every version can share it.
/// The gateway checked the bundle before storing it; it is checked again while unpacking
/// (<see cref="BundleArchive"/>: paths, size, modes), since the store may hold bundles from
/// before a rule existed, or from a gateway with a larger limit.
/// </summary>
internal sealed class BundleCache(IFunctionStore store, string root, long maxUnpackedBytes = BundleArchive.DefaultMaxUnpackedBytes)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<string> EnsureAsync(string hash, CancellationToken cancellationToken)
    {
        if (hash.Length != 64 || !hash.All(char.IsAsciiHexDigit))
            throw new InvalidOperationException($"bundle hash '{hash}' is not a sha256 hex string");
        var target = Path.Combine(root, hash);
        if (Directory.Exists(target))
            return target;

        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (Directory.Exists(target))
                return target;
            var zip = await store.GetBundleAsync(hash, cancellationToken)
                ?? throw new InvalidOperationException($"bundle {hash[..12]} is not in the store");

            // Unpack beside the target and rename: a crash mid-unpack leaves only a temp folder,
            // never a half-written bundle that a later start would take as complete.
            Directory.CreateDirectory(root);
            var temp = Path.Combine(root, $".{hash}.{Environment.ProcessId}.tmp");
            if (Directory.Exists(temp))
                Directory.Delete(temp, recursive: true);
            try
            {
                BundleArchive.Extract(zip, temp, maxUnpackedBytes);
            }
            catch (InvalidDataException e)
            {
                Directory.Delete(temp, recursive: true);
                throw new InvalidOperationException($"bundle {hash[..12]} cannot be unpacked: {e.Message}", e);
            }
            Directory.Move(temp, target);
            return target;
        }
        finally
        {
            _gate.Release();
        }
    }
}
