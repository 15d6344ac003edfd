using System.IO.Compression;
using System.Security.Cryptography;

namespace Fjord.Gateway.Functions;

/// <summary>
/// Checks an uploaded code bundle before it is stored. Workers unpack bundles into a function
/// folder, so an entry that is absolute or climbs out with <c>..</c> (zip-slip) is refused here,
/// at the door, and never reaches a node.
/// </summary>
internal static class Bundles
{
    private const int MaxEntries = 100_000;

    public static string Hash(byte[] zip) => Convert.ToHexStringLower(SHA256.HashData(zip));

    public static bool IsValidHash(string? hash) =>
        hash is { Length: 64 } && hash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>Null when <paramref name="zip"/> is a readable zip with only relative, inward entries; else what is wrong.</summary>
    public static string? Problem(byte[] zip)
    {
        try
        {
            using var archive = new ZipArchive(new MemoryStream(zip, writable: false), ZipArchiveMode.Read);
            if (archive.Entries.Count > MaxEntries)
                return $"the bundle has more than {MaxEntries} entries";
            foreach (var entry in archive.Entries)
            {
                if (UnsafeEntry(entry.FullName) is { } reason)
                    return $"entry '{entry.FullName}' {reason}";
            }
            return null;
        }
        catch (InvalidDataException e)
        {
            return "the body is not a readable zip: " + e.Message;
        }
    }

    private static string? UnsafeEntry(string fullName)
    {
        var path = fullName.Replace('\\', '/');
        if (path.Length == 0)
            return "has an empty name";
        if (path[0] == '/' || (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0])))
            return "is an absolute path";
        if (path.Contains('\0', StringComparison.Ordinal))
            return "contains a NUL character";
        foreach (var segment in path.Split('/'))
        {
            if (segment == "..")
                return "climbs out of the function folder with '..'";
        }
        return null;
    }
}
