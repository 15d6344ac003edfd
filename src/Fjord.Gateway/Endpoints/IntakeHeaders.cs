using System.Globalization;
using Fjord.Core.Functions;
using Microsoft.AspNetCore.Http;

namespace Fjord.Gateway.Endpoints;

/// <summary>The optional intake headers: Idempotency-Key, X-Callback-Url, X-Delay / X-Run-At.</summary>
internal readonly record struct IntakeHeaders(string? IdempotencyKey, string? CallbackUrl, DateTimeOffset? RunAt)
{
    private const int MaxIdempotencyKeyLength = 256;
    private const int MaxCallbackUrlLength = 2048;

    /// <summary>Parses the headers; on a bad value returns false with a human <paramref name="error"/>.</summary>
    public static bool TryParse(IHeaderDictionary headers, DateTimeOffset now, out IntakeHeaders parsed, out string? error)
    {
        parsed = default;
        error = null;

        string? key = null;
        if (headers.TryGetValue("Idempotency-Key", out var keyValues))
        {
            key = keyValues.ToString();
            // Control characters are refused: keys that start with one are the schedules' own
            // (Fjord.Core.Schedules.ScheduleKeys), which no client may claim ahead of a fire time.
            if (key.Length is 0 or > MaxIdempotencyKeyLength || key.Any(char.IsControl))
            {
                error = $"Idempotency-Key must be 1-{MaxIdempotencyKeyLength} characters, none of them control characters";
                return false;
            }
        }

        // Only the form is checked here; where the URL may point is CallbackTargets' question
        // (public addresses unless the operator allows more), asked by the endpoint.
        string? callback = null;
        if (headers.TryGetValue("X-Callback-Url", out var callbackValues))
        {
            callback = callbackValues.ToString();
            if (callback.Length > MaxCallbackUrlLength
                || !Uri.TryCreate(callback, UriKind.Absolute, out var uri)
                || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
                || uri.IdnHost.Length == 0)
            {
                error = "X-Callback-Url must be an absolute http or https URL";
                return false;
            }
        }

        DateTimeOffset? runAt = null;
        var hasDelay = headers.TryGetValue("X-Delay", out var delayValues);
        var hasRunAt = headers.TryGetValue("X-Run-At", out var runAtValues);
        if (hasDelay && hasRunAt)
        {
            error = "send X-Delay or X-Run-At, not both";
            return false;
        }
        if (hasDelay)
        {
            if (!Quantity.TryParseDuration(delayValues.ToString(), out var delay))
            {
                error = "X-Delay must be a duration like 30s, 5m or 2h";
                return false;
            }
            runAt = now + delay;
        }
        else if (hasRunAt)
        {
            if (!DateTimeOffset.TryParse(runAtValues.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at)
                || runAtValues.ToString().IndexOf('T', StringComparison.OrdinalIgnoreCase) < 0)
            {
                error = "X-Run-At must be an RFC 3339 time like 2030-01-01T12:00:00Z";
                return false;
            }
            runAt = at.ToUniversalTime();
        }

        parsed = new IntakeHeaders(key, callback, runAt);
        return true;
    }

    /// <summary>A run time in the past or now is not a schedule: the job is queued.</summary>
    public bool IsScheduled(DateTimeOffset now) => RunAt is { } at && at > now;
}
