using System.Security.Cryptography;
using System.Text;

namespace Fjord.Gateway.Auth;

/// <summary>How key secrets look and how they are stored: only the SHA-256 hex of the secret ever reaches the store.</summary>
public static class ApiKeySecrets
{
    public const string Prefix = "fjk_";

    /// <summary>A fresh secret: 32 random bytes, base64url, prefixed <c>fjk_</c> so leaked keys are easy to grep for.</summary>
    public static string Generate() => Prefix + Base64Url(RandomNumberGenerator.GetBytes(32));

    public static string Hash(string secret)
    {
        ArgumentNullException.ThrowIfNull(secret);
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), digest);
        return Convert.ToHexStringLower(digest);
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
