using System.Text.RegularExpressions;

namespace Fjord.Core.Secrets;

/// <summary>
/// A secret's name is also its file name under /run/secrets: lower-case letters, digits and
/// inner dashes or underscores, so it can never be a path (no '/', no '..') nor a hidden file.
/// </summary>
public static partial class SecretName
{
    public const int MaxLength = 63;

    /// <summary>The largest secret value, in bytes (a certificate chain fits; a database dump does not).</summary>
    public const int MaxValueBytes = 64 * 1024;

    /// <summary>Where a function finds its secrets inside the sandbox.</summary>
    public const string MountDir = "/run/secrets";

    [GeneratedRegex("^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$")]
    private static partial Regex NameRegex();

    public static bool IsValid(string? name) => name is not null && NameRegex().IsMatch(name);

    public const string Rule = "1-63 lower-case letters, digits, inner dashes or underscores";
}
