using System.Globalization;
using Fjord.Runtime.Processes;

namespace Fjord.Runtime.Images;

/// <summary>
/// Who an image's process is: <see cref="Uid"/>/<see cref="Gid"/> inside its user namespace, and on
/// the host when Fjord runs as root (<see cref="HostUid"/>, <see cref="HostGid"/>: never 0, which
/// becomes the sandbox user 65534 there; inside, the process may still see itself as root, with no
/// capabilities). An image without a User runs as the sandbox user, not as root: most images
/// leave USER unset only because their build ran as root, and the function needs no rights a
/// read-only root would let it use.
/// </summary>
internal readonly record struct ImageUser(int Uid, int Gid, string Home)
{
    public const int Nobody = 65534;

    public static ImageUser Default => new(Nobody, Nobody, "/");

    public int HostUid => Uid == 0 ? Nobody : Uid;
    public int HostGid => Gid == 0 ? Nobody : Gid;

    /// <summary>
    /// Resolves the image config's User (<c>uid</c>, <c>uid:gid</c>, <c>name</c>, <c>name:group</c>):
    /// names are looked up in the image's own /etc/passwd and /etc/group, read inside its root.
    /// A group that is not given is the user's primary group from /etc/passwd, else 65534.
    /// </summary>
    /// <exception cref="FunctionStartException">The user or group is not in the image.</exception>
    public static ImageUser Resolve(string? user, string root)
    {
        if (string.IsNullOrWhiteSpace(user))
            return Default;
        var colon = user.IndexOf(':', StringComparison.Ordinal);
        var userPart = colon < 0 ? user : user[..colon];
        var groupPart = colon < 0 ? null : user[(colon + 1)..];

        var passwd = Table(root, "/etc/passwd");
        string[]? entry;
        int uid;
        if (Id(userPart) is { } numeric)
        {
            uid = numeric;
            entry = passwd.FirstOrDefault(e => e.Length >= 4 && Id(e[2]) == numeric);
        }
        else
        {
            entry = passwd.FirstOrDefault(e => e.Length >= 4 && e[0] == userPart)
                ?? throw new FunctionStartException($"the image's User '{user}' names a user that is not in the image's /etc/passwd");
            uid = Id(entry[2]) ?? throw new FunctionStartException($"the image's /etc/passwd gives user '{userPart}' no valid uid");
        }

        int gid;
        if (string.IsNullOrEmpty(groupPart))
            gid = entry is not null && Id(entry[3]) is { } primary ? primary : Nobody;
        else if (Id(groupPart) is { } numericGroup)
            gid = numericGroup;
        else
        {
            var group = Table(root, "/etc/group").FirstOrDefault(e => e.Length >= 3 && e[0] == groupPart)
                ?? throw new FunctionStartException($"the image's User '{user}' names a group that is not in the image's /etc/group");
            gid = Id(group[2]) ?? throw new FunctionStartException($"the image's /etc/group gives group '{groupPart}' no valid gid");
        }

        var home = entry is { Length: >= 6 } && entry[5].StartsWith('/') ? entry[5] : "/";
        return new ImageUser(uid, gid, home);
    }

    private static int? Id(string text) =>
        text.Length is > 0 and <= 10 && text.All(char.IsAsciiDigit)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var id) && id < int.MaxValue
            ? id
            : null;

    private static List<string[]> Table(string root, string path) =>
        (ImageFiles.ReadText(root, path) ?? "")
            .Split('\n')
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.TrimEnd('\r').Split(':'))
            .ToList();
}
