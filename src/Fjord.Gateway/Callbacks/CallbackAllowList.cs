using System.Net;

namespace Fjord.Gateway.Callbacks;

/// <summary>
/// What an operator opens to callbacks beyond the public internet (<c>--callback-allow</c>):
/// networks in CIDR form (<c>10.0.0.0/8</c>, <c>fd00::/8</c>), single addresses, host names
/// (<c>hooks.internal</c>, matched exactly) and name suffixes (<c>*.internal</c>). A name on the
/// list may resolve to anything: the operator vouches for it, not for what DNS says of others.
/// </summary>
public sealed class CallbackAllowList
{
    private readonly IPNetwork[] _networks;
    private readonly HashSet<string> _names;
    private readonly string[] _suffixes;

    private CallbackAllowList(IPNetwork[] networks, HashSet<string> names, string[] suffixes, string text)
    {
        _networks = networks;
        _names = names;
        _suffixes = suffixes;
        Text = text;
    }

    /// <summary>Nothing beyond public addresses: the default.</summary>
    public static CallbackAllowList None { get; } = new([], new HashSet<string>(StringComparer.Ordinal), [], "");

    /// <summary>The list as the operator gave it (comma-separated), for the startup line.</summary>
    public string Text { get; }

    public bool IsEmpty => _networks.Length == 0 && _names.Count == 0 && _suffixes.Length == 0;

    /// <summary>Parses <c>10.0.0.0/8,hooks.internal,*.svc.local</c>; false with a one-line <paramref name="error"/> on a bad entry.</summary>
    public static bool TryParse(string? text, out CallbackAllowList list, out string? error)
    {
        list = None;
        error = null;
        if (string.IsNullOrWhiteSpace(text))
            return true;
        var networks = new List<IPNetwork>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        var suffixes = new List<string>();
        foreach (var raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (raw.Contains('/', StringComparison.Ordinal))
            {
                // 10.0.0.1/8 is refused rather than read as 10.0.0.0/8: it may well have meant one host.
                if (!IPNetwork.TryParse(raw, out var network)
                    || !IPAddress.TryParse(raw[..raw.IndexOf('/', StringComparison.Ordinal)], out var given)
                    || !given.Equals(network.BaseAddress))
                {
                    error = $"'{raw}' is not a network in CIDR form (like 10.0.0.0/8; the address must have no bits past the prefix)";
                    return false;
                }
                networks.Add(network);
            }
            else if (IPAddress.TryParse(raw.Trim('[', ']'), out var address))
            {
                networks.Add(new IPNetwork(Normalize(address), address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else if (raw.StartsWith("*.", StringComparison.Ordinal) && IsHostName(raw[2..]))
            {
                suffixes.Add(NormalizeName(raw[1..]));
            }
            else if (IsHostName(raw))
            {
                names.Add(NormalizeName(raw));
            }
            else
            {
                error = $"'{raw}' is neither a network (10.0.0.0/8), an address, a host name nor *.suffix";
                return false;
            }
        }
        list = new CallbackAllowList([.. networks], names, [.. suffixes], string.Join(',', text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)));
        return true;
    }

    /// <summary>Parses or throws <see cref="FormatException"/> with the one-line reason.</summary>
    public static CallbackAllowList Parse(string? text) =>
        TryParse(text, out var list, out var error) ? list : throw new FormatException("--callback-allow: " + error);

    /// <summary>True when the host name of a URL is on the list by name.</summary>
    public bool AllowsName(string host)
    {
        if (_names.Count == 0 && _suffixes.Length == 0)
            return false;
        var name = NormalizeName(host);
        if (_names.Contains(name))
            return true;
        foreach (var suffix in _suffixes)
        {
            if (name.EndsWith(suffix, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    /// <summary>True when <paramref name="address"/> lies in one of the listed networks.</summary>
    public bool AllowsAddress(IPAddress address)
    {
        var a = Normalize(address);
        foreach (var network in _networks)
        {
            if (network.Contains(a))
                return true;
        }
        return false;
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    private static string NormalizeName(string name) => name.TrimEnd('.').ToLowerInvariant();

    private static bool IsHostName(string text) => Uri.CheckHostName(text.TrimEnd('.')) == UriHostNameType.Dns;
}
