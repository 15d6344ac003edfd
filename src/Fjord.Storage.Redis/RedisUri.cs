using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using StackExchange.Redis;

namespace Fjord.Storage.Redis;

/// <summary>
/// Reads <c>redis://[user[:password]@]host[:port][/db]</c> and <c>rediss://…</c> (TLS) into the
/// client's options. The password is never logged: the options' string form leaves it out.
/// </summary>
public static class RedisUri
{
    public static bool IsRedis(string? uri) =>
        uri is not null && (uri.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) || uri.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase));

    public static ConfigurationOptions Parse(string uri, string? caFile = null)
    {
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || !IsRedis(uri) || string.IsNullOrEmpty(parsed.Host))
            throw new ArgumentException("the Redis URI must look like redis://user:password@host:6379/0 (or rediss:// for TLS)");
        var options = new ConfigurationOptions
        {
            AbortOnConnectFail = false,
            ConnectRetry = 3,
            ConnectTimeout = 5000,
            SyncTimeout = 10000,
            AsyncTimeout = 10000,
            KeepAlive = 5,
            Ssl = parsed.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
            ClientName = "fjord",
            // While the server is unreachable a command fails at once (intake answers 503) instead
            // of waiting in the client's backlog for the timeout.
            BacklogPolicy = BacklogPolicy.FailFast,
            // The client's own tie-breaker key and configuration channel lie outside Fjord's
            // prefix, where the least-privilege user may not go (RedisAcl).
            TieBreaker = "",
            ConfigurationChannel = "",
        };
        options.EndPoints.Add(parsed.Host, parsed.Port > 0 ? parsed.Port : 6379);
        if (parsed.UserInfo is { Length: > 0 } info)
        {
            var colon = info.IndexOf(':', StringComparison.Ordinal);
            var user = Uri.UnescapeDataString(colon < 0 ? info : info[..colon]);
            var password = colon < 0 ? null : Uri.UnescapeDataString(info[(colon + 1)..]);
            if (password is null)
                options.Password = user;
            else
            {
                if (user.Length > 0)
                    options.User = user;
                options.Password = password;
            }
        }
        if (parsed.AbsolutePath.Trim('/') is { Length: > 0 } db && int.TryParse(db, out var number))
            options.DefaultDatabase = number;
        if (options.Ssl)
        {
            options.SslHost = parsed.Host;
            if (caFile is not null)
            {
                var ca = X509CertificateLoader.LoadCertificateFromFile(caFile);
                options.CertificateValidation += (_, certificate, _, errors) => Trusted(ca, certificate, errors);
            }
        }
        return options;
    }

    /// <summary>Only the name check may fail with a private CA: the chain is built against that CA alone.</summary>
    private static bool Trusted(X509Certificate2 ca, X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(new X509Certificate2(certificate));
    }
}
