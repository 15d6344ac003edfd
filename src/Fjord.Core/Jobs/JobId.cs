using System.Security.Cryptography;

namespace Fjord.Core.Jobs;

/// <summary>
/// Job ids are UUIDv7 strings: unique without coordination across gateways, and sortable by
/// creation time, which is what "newest first" cursor paging needs.
/// </summary>
public static class JobId
{
    public static string New() => Guid.CreateVersion7().ToString("N");

    public static bool IsValid(string? id) =>
        id is { Length: 32 } && id.All(c => char.IsAsciiHexDigitLower(c) || char.IsAsciiDigit(c));

    public static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
}
