using Fjord.Storage.Redis;
using Fjord.Tests.Shared;

namespace Fjord.Backends.Tests;

/// <summary>
/// What `fjord doctor` says of a Redis it cannot use, against the private server: a certificate
/// under a foreign CA is named as a TLS refusal (not blamed on the password), a wrong password as
/// an auth failure; neither line carries the password.
/// </summary>
public sealed class RedisDiagnoseTests
{
    [Fact]
    public async Task Diagnose_UnderACaTheTestMade_SaysTheCertificateIsNotTrusted()
    {
        var folder = Directory.CreateTempSubdirectory("fjord-redis-diag-").FullName;
        try
        {
            var otherCa = await TlsTests.ForeignCaAsync(folder);

            var facts = await RedisStore.DiagnoseAsync(Services.RedisTlsUri, otherCa, TimeSpan.FromSeconds(5));

            var reachable = Assert.Single(facts);
            Assert.Equal("reachable", reachable.Name);
            Assert.False(reachable.Ok);
            Assert.Contains("certificate", reachable.Detail, StringComparison.Ordinal);
            Assert.Contains("FJORD_REDIS_CA", reachable.Fix, StringComparison.Ordinal);
            Assert.DoesNotContain(Password(Services.RedisTlsUri), reachable.Detail, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Diagnose_WithAWrongPassword_IsReachableButRefusesTheAuth()
    {
        var uri = new UriBuilder(Services.RedisUri) { Password = "not-the-password" }.Uri.ToString();

        var facts = await RedisStore.DiagnoseAsync(uri, null, TimeSpan.FromSeconds(5));

        Assert.True(facts.Count == 2, string.Join(" | ", facts.Select(f => f.Detail)));
        Assert.Equal(["reachable", "auth"], facts.Select(f => f.Name));
        Assert.True(facts[0].Ok);
        Assert.False(facts[1].Ok, facts[1].Detail);
        Assert.DoesNotContain("not-the-password", facts[1].Detail, StringComparison.Ordinal);
    }

    private static string Password(string uri) => new Uri(uri).UserInfo.Split(':')[1];
}
