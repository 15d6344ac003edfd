using System.Net;
using System.Net.Sockets;

namespace Fjord.Gateway.Callbacks;

/// <summary>
/// Which addresses a callback may not reach unless the operator allows them: everything that is
/// not a globally routed unicast address (IANA's special-purpose registries for IPv4 and IPv6).
/// A callback URL comes from whoever holds an invoke key, and the node POSTs from inside the
/// operator's network, so these are the addresses only the node can reach: loopback services,
/// private networks, the cloud metadata address (169.254.169.254), the node's own interfaces.
/// </summary>
internal static class NonPublicAddresses
{
    private static readonly (IPNetwork Network, string Kind)[] V4 =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "unspecified"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared (CGNAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "reserved"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.88.99.0/24"), "reserved"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "reserved"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/4"), "multicast"),
        (IPNetwork.Parse("240.0.0.0/4"), "reserved"), // with 255.255.255.255, broadcast
    ];

    private static readonly (IPNetwork Network, string Kind)[] V6 =
    [
        (IPNetwork.Parse("::/128"), "unspecified"),
        (IPNetwork.Parse("::1/128"), "loopback"),
        (IPNetwork.Parse("64:ff9b:1::/48"), "private"),
        (IPNetwork.Parse("100::/64"), "reserved"),
        (IPNetwork.Parse("2001::/23"), "reserved"), // Teredo and other IETF assignments
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        (IPNetwork.Parse("fc00::/7"), "private"),
        (IPNetwork.Parse("fe80::/10"), "link-local"),
        (IPNetwork.Parse("ff00::/8"), "multicast"),
    ];

    private static readonly IPNetwork GlobalUnicast = IPNetwork.Parse("2000::/3");
    private static readonly IPNetwork SixToFour = IPNetwork.Parse("2002::/16");
    private static readonly IPNetwork Nat64 = IPNetwork.Parse("64:ff9b::/96");

    /// <summary>Null when <paramref name="address"/> is public; else what it is ("loopback", "private", …).</summary>
    public static string? Kind(IPAddress address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
            return Match(V4, address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return "not an IP address";
        if (address.ScopeId != 0)
            return "link-local";
        // Addresses that carry an IPv4 address inside are judged by it: 6to4 and NAT64 would
        // otherwise be a way to spell 127.0.0.1 as a "global" IPv6 address.
        if (SixToFour.Contains(address))
            return Kind(new IPAddress(address.GetAddressBytes().AsSpan(2, 4)));
        if (Nat64.Contains(address))
            return Kind(new IPAddress(address.GetAddressBytes().AsSpan(12, 4)));
        if (Match(V6, address) is { } kind)
            return kind;
        return GlobalUnicast.Contains(address) ? null : "reserved";
    }

    private static string? Match((IPNetwork Network, string Kind)[] ranges, IPAddress address)
    {
        foreach (var (network, kind) in ranges)
        {
            if (network.Contains(address))
                return kind;
        }
        return null;
    }
}
