using System.Security.Cryptography;

namespace Fjord.Core.Images;

/// <summary>"sha256:&lt;64 lowercase hex&gt;" digests: parsing and computing.</summary>
public static class Sha256Digest
{
    public const string Prefix = "sha256:";

    /// <summary>The 64 hex characters of a digest, or an <see cref="InvalidImageException"/>; the
    /// result is safe as a file name (checked, never taken from the archive unchecked).</summary>
    public static string Hex(string? digest)
    {
        if (digest is null || !digest.StartsWith(Prefix, StringComparison.Ordinal) || !IsHex(digest.AsSpan(Prefix.Length)))
        {
            throw new InvalidImageException($"not a sha256 digest: '{digest}'");
        }
        return digest[Prefix.Length..];
    }

    public static bool IsHex(ReadOnlySpan<char> hex)
    {
        if (hex.Length != 64)
        {
            return false;
        }
        foreach (var c in hex)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }
        return true;
    }

    public static string Of(IncrementalHash hash) => Prefix + Convert.ToHexStringLower(hash.GetHashAndReset());

    public static string OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Prefix + Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
