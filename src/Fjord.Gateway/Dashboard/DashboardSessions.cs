using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Fjord.Gateway.Dashboard;

/// <summary>One signed-in browser: the key it signed in with (kept server-side only) and its anti-forgery token.</summary>
internal sealed class DashboardSession(string secret, string csrf, long expiresAt)
{
    public string Secret { get; } = secret;

    public string Csrf { get; } = csrf;

    public long ExpiresAt { get; set; } = expiresAt;

    public bool CsrfMatches(string? token) =>
        token is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(Csrf));
}

/// <summary>
/// Server-side sessions in this gateway's memory. The cookie holds only a random id, so the API key
/// never reaches the browser after the login form; a restart or another gateway means signing in again.
/// The key is looked up through the same cache as a bearer key on every request, so revoking it ends the session.
/// </summary>
internal sealed class DashboardSessions(TimeProvider time)
{
    public const string CookieName = "fjord_session";
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromHours(8);

    // Bounds memory when someone signs in in a loop: the oldest half is simply dropped.
    private const int MaxSessions = 10_000;

    private readonly ConcurrentDictionary<string, DashboardSession> _sessions = new(StringComparer.Ordinal);

    public (string Id, DashboardSession Session) Create(string secret)
    {
        if (_sessions.Count >= MaxSessions)
            Prune();
        var id = Token();
        var session = new DashboardSession(secret, Token(), Deadline());
        _sessions[id] = session;
        return (id, session);
    }

    public DashboardSession? Find(string? id)
    {
        if (string.IsNullOrEmpty(id) || !_sessions.TryGetValue(id, out var session))
            return null;
        if (time.GetTimestamp() >= session.ExpiresAt)
        {
            _sessions.TryRemove(id, out _);
            return null;
        }
        session.ExpiresAt = Deadline();
        return session;
    }

    public void Remove(string? id)
    {
        if (!string.IsNullOrEmpty(id))
            _sessions.TryRemove(id, out _);
    }

    private long Deadline() => time.GetTimestamp() + (long)(IdleTimeout.TotalSeconds * time.TimestampFrequency);

    private void Prune()
    {
        var now = time.GetTimestamp();
        foreach (var (id, s) in _sessions)
        {
            if (now >= s.ExpiresAt || _sessions.Count >= MaxSessions / 2)
                _sessions.TryRemove(id, out _);
        }
    }

    private static string Token() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
