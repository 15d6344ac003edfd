using System.Security.Cryptography;
using Fjord.Core.Functions;

namespace Fjord.Gateway.Functions;

/// <summary>
/// Checks an uploaded code bundle before it is stored, with the rules workers apply again when
/// they unpack it (<see cref="BundleArchive"/>): an entry that is absolute or climbs out with
/// <c>..</c> (zip-slip), a name given twice, too many entries or too many unpacked bytes is
/// refused here, at the door, and never reaches a node.
/// </summary>
internal static class Bundles
{
    public static string Hash(byte[] zip) => Convert.ToHexStringLower(SHA256.HashData(zip));

    public static bool IsValidHash(string? hash) =>
        hash is { Length: 64 } && hash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Null when <paramref name="zip"/> is a readable zip that keeps every rule; else what is wrong.</summary>
    public static string? Problem(byte[] zip, long maxUnpackedBytes) => BundleArchive.Problem(zip, maxUnpackedBytes);
}
