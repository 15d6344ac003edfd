using System.Globalization;
using Fjord.Core.Secrets;

namespace Fjord.Runtime.Sandboxing;

/// <summary>
/// Where a function's secrets appear in its sandbox: <c>/run/secrets/NAME</c>, mode 0400, in a
/// folder of mode 0500, both owned by the function's uid; read-only to everyone else (there is
/// no one else in the sandbox).
/// </summary>
internal static class SecretMounts
{
    /// <summary>
    /// As root (no user namespace), bwrap creates the files as root; a tiny root step inside the
    /// sandbox, before setpriv drops every right, gives them to the sandbox user. Its arguments
    /// are fixed text: the secrets' values are never on any command line.
    /// </summary>
    private const string ChownScript = "/usr/bin/chown -R \"$0\" " + SecretName.MountDir + " && exec \"$@\"";

    /// <summary>bwrap options that copy each secret from its fd into the sandbox's in-memory root.</summary>
    public static IEnumerable<string> BwrapOptions(IReadOnlyList<SecretFile> secrets)
    {
        if (secrets.Count == 0)
            yield break;
        foreach (var arg in (string[])["--perms", "0755", "--dir", "/run", "--perms", "0500", "--dir", SecretName.MountDir])
            yield return arg;
        foreach (var secret in secrets)
        {
            yield return "--perms";
            yield return "0400";
            yield return "--file";
            yield return secret.Fd.ToString(CultureInfo.InvariantCulture);
            yield return SecretName.MountDir + "/" + secret.Name;
        }
    }

    /// <summary>The command prefix (before setpriv) that hands the files to <paramref name="uid"/>, when bwrap ran as root.</summary>
    public static IEnumerable<string> OwnershipPrefix(IReadOnlyList<SecretFile> secrets, bool runsAsRoot, int uid)
    {
        if (secrets.Count == 0 || !runsAsRoot)
            return [];
        var owner = uid.ToString(CultureInfo.InvariantCulture);
        return ["/usr/bin/sh", "-c", ChownScript, $"{owner}:{owner}"];
    }
}
