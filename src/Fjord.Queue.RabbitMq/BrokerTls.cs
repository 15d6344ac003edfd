using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using RabbitMQ.Client;

namespace Fjord.Queue.RabbitMq;

/// <summary>
/// TLS to the broker: an <c>amqps://</c> URI turns it on and the server's certificate is checked
/// against the host name in the URI (never skipped). The system's trusted roots are used, or the
/// CA named by the URI's <c>cacertfile</c> query parameter (RabbitMQ's own name for it), for a
/// broker whose certificate a private CA signed: <c>amqps://fjord:…@data1:5671/fjord?cacertfile=/etc/fjord/ca.pem</c>.
/// </summary>
internal static class BrokerTls
{
    private const string CaParameter = "cacertfile";

    /// <summary>Applies the URI (without <c>cacertfile</c>, which the client library does not know) and its TLS settings to the factory.</summary>
    public static void Configure(ConnectionFactory factory, string brokerUri)
    {
        var uri = new Uri(brokerUri);
        string? caFile = null;
        var kept = new List<string>();
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0 && Uri.UnescapeDataString(pair[..eq]) == CaParameter)
                caFile = Uri.UnescapeDataString(pair[(eq + 1)..]);
            else
                kept.Add(pair);
        }
        factory.Uri = new UriBuilder(uri) { Query = string.Join('&', kept) }.Uri;
        if (!string.Equals(uri.Scheme, "amqps", StringComparison.OrdinalIgnoreCase))
            return;
        factory.Ssl.Enabled = true;
        factory.Ssl.ServerName = uri.Host;
        if (caFile is not null)
        {
            var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
            factory.Ssl.CertificateValidationCallback = (_, certificate, _, errors) => TrustedBy(ca, certificate, errors);
        }
    }

    /// <summary>
    /// Name and dates are checked as always; only the chain's root may be the given CA instead of
    /// a system root.
    /// </summary>
    private static bool TrustedBy(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (errors == SslPolicyErrors.None)
            return true;
        if (certificate is null || errors != SslPolicyErrors.RemoteCertificateChainErrors)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
