using System.Net;
using Fjord.Gateway.Callbacks;

namespace Fjord.Gateway.Tests;

/// <summary>The address classes and the allowlist grammar behind the callback checks (logic only).</summary>
public sealed class CallbackAddressTests
{
    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("::1", "loopback")]
    [InlineData("::ffff:10.0.0.1", "private")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("::", "unspecified")]
    [InlineData("169.254.169.254", "link-local")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("100.127.255.254", "shared (CGNAT)")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("fc00::1", "private")]
    [InlineData("fdff::1", "private")]
    [InlineData("239.255.255.250", "multicast")]
    [InlineData("ff02::1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("2002:7f00:1::", "loopback")]       // 6to4 of 127.0.0.1
    [InlineData("64:ff9b::a00:1", "private")]       // NAT64 of 10.0.0.1
    [InlineData("2001:db8::1", "documentation")]
    [InlineData("2001:0:4136:e378::1", "reserved")] // Teredo
    [InlineData("fec0::1", "reserved")]             // old site-local, outside 2000::/3
    public void NonPublic_AddressesAreNamed(string address, string kind) =>
        Assert.Equal(kind, NonPublicAddresses.Kind(IPAddress.Parse(address)));

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("100.128.0.1")]
    [InlineData("2606:4700::1111")]
    [InlineData("64:ff9b::808:808")]                // NAT64 of 8.8.8.8
    public void Public_AddressesPass(string address) =>
        Assert.Null(NonPublicAddresses.Kind(IPAddress.Parse(address)));

    [Fact]
    public void AllowList_ParsesNetworksAddressesNamesAndSuffixes()
    {
        var list = CallbackAllowList.Parse(" 10.0.0.0/8, fd00::/8 ,192.168.1.5,hooks.internal,*.svc.local ");

        Assert.True(list.AllowsAddress(IPAddress.Parse("10.200.0.1")));
        Assert.True(list.AllowsAddress(IPAddress.Parse("::ffff:10.0.0.1")));
        Assert.True(list.AllowsAddress(IPAddress.Parse("fd12::1")));
        Assert.True(list.AllowsAddress(IPAddress.Parse("192.168.1.5")));
        Assert.False(list.AllowsAddress(IPAddress.Parse("192.168.1.6")));
        Assert.False(list.AllowsAddress(IPAddress.Loopback));
        Assert.True(list.AllowsName("HOOKS.internal."));
        Assert.True(list.AllowsName("a.b.svc.local"));
        Assert.False(list.AllowsName("svc.local"));
        Assert.False(list.AllowsName("evil-hooks.internal"));
        Assert.Equal("10.0.0.0/8,fd00::/8,192.168.1.5,hooks.internal,*.svc.local", list.Text);
    }

    [Theory]
    [InlineData("10.0.0.1/8")]
    [InlineData("10.0.0.0/33")]
    [InlineData("not a host")]
    [InlineData("*.")]
    public void AllowList_RefusesBadEntries_WithTheEntryNamed(string entry)
    {
        Assert.False(CallbackAllowList.TryParse(entry, out _, out var error));
        Assert.Contains($"'{entry}'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void AllowList_IsEmptyByDefault() => Assert.True(CallbackAllowList.Parse(null).IsEmpty);
}
