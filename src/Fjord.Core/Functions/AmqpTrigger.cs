using Fjord.Core.Secrets;

namespace Fjord.Core.Functions;

/// <summary>
/// A RabbitMQ queue trigger (<c>triggers: [{ amqp: { url, queue, declare } }]</c>): every message
/// on <see cref="Queue"/> becomes a job of the function. <see cref="Url"/> is an <c>amqp://</c> or
/// <c>amqps://</c> URL, or the name of a secret holding one (preferred: a URL written in the spec
/// is kept in the store as written, and shown masked by the API).
/// </summary>
public sealed record AmqpTrigger
{
    public const int DefaultPrefetch = 16;
    public const int MaxPrefetch = 1000;
    public const int MaxQueueLength = 255;

    /// <summary>The trigger's name in metrics and on its jobs (<c>trigger.name</c>); defaults to the queue.</summary>
    public required string Name { get; init; }

    /// <summary>An amqp(s) URL, or a secret's name (<see cref="UrlIsSecret"/>).</summary>
    public required string Url { get; init; }

    public required string Queue { get; init; }

    /// <summary>Declare the queue (durable) when it is missing; by default Fjord only consumes a queue that exists.</summary>
    public bool Declare { get; init; }

    /// <summary>Messages the broker hands over before Fjord acks them: at most this many are in flight.</summary>
    public int Prefetch { get; init; } = DefaultPrefetch;

    /// <summary>True when <see cref="Url"/> names a secret rather than being a URL.</summary>
    public bool UrlIsSecret => !Url.Contains("://", StringComparison.Ordinal);

    /// <summary>Validates the <c>triggers</c> section; errors name the field, e.g. <c>triggers[0].amqp.url</c>.</summary>
    public static IReadOnlyList<AmqpTrigger> Parse(List<TriggerDocument>? documents, List<string> errors)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (documents is null || documents.Count == 0)
            return [];
        var triggers = new List<AmqpTrigger>(documents.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < documents.Count; i++)
        {
            var field = $"triggers[{i}]";
            if (documents[i]?.Amqp is not { } amqp)
            {
                errors.Add($"{field} must have an amqp section (amqp: {{ url, queue }})");
                continue;
            }
            var before = errors.Count;
            if (string.IsNullOrEmpty(amqp.Queue) || amqp.Queue.Length > MaxQueueLength)
                errors.Add($"{field}.amqp.queue is required (1-{MaxQueueLength} characters)");
            if (string.IsNullOrEmpty(amqp.Url))
                errors.Add($"{field}.amqp.url is required: an amqp:// or amqps:// URL, or the name of a secret holding one");
            else if (!IsValidUrl(amqp.Url))
                errors.Add($"{field}.amqp.url must be an amqp:// or amqps:// URL with a host, or a secret name ({SecretName.Rule})");
            var prefetch = amqp.Prefetch ?? DefaultPrefetch;
            if (prefetch is < 1 or > MaxPrefetch)
                errors.Add($"{field}.amqp.prefetch must be between 1 and {MaxPrefetch}");
            var name = amqp.Name ?? amqp.Queue ?? "";
            if (name.Length is 0 or > MaxQueueLength || name.Any(char.IsControl))
                errors.Add($"{field}.amqp.name must be 1-{MaxQueueLength} printable characters");
            else if (!names.Add(name))
                errors.Add($"{field}.amqp.name '{name}' is used by another trigger of this function (set a distinct name)");
            if (errors.Count > before)
                continue;
            triggers.Add(new AmqpTrigger { Name = name, Url = amqp.Url!, Queue = amqp.Queue!, Declare = amqp.Declare ?? false, Prefetch = prefetch });
        }
        return triggers;
    }

    public TriggerDocument ToDocument() => new()
    {
        Amqp = new AmqpTriggerDocument { Name = Name, Url = Url, Queue = Queue, Declare = Declare, Prefetch = Prefetch },
    };

    /// <summary>The URL with any password replaced by <c>***</c> (a secret name is shown as is): for the API and logs.</summary>
    public static string Masked(string url)
    {
        if (!url.Contains("://", StringComparison.Ordinal))
            return url;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri))
            return "***";
        var user = uri.UserInfo.Split(':', 2)[0];
        var builder = new UriBuilder(uri) { UserName = user, Password = uri.UserInfo.Contains(':', StringComparison.Ordinal) ? "***" : "" };
        return builder.Uri.GetComponents(UriComponents.AbsoluteUri, UriFormat.UriEscaped);
    }

    private static bool IsValidUrl(string url)
    {
        if (!url.Contains("://", StringComparison.Ordinal))
            return SecretName.IsValid(url);
        return IsValidAmqpUri(url);
    }

    /// <summary>An absolute amqp:// or amqps:// URL with a host (what a secret named by a trigger must hold, too).</summary>
    public static bool IsValidAmqpUri(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == "amqp" || uri.Scheme == "amqps")
        && uri.Host.Length > 0;
}

/// <summary>One entry of <c>triggers</c> in fjord.yml or the function's JSON; today only <c>amqp</c>.</summary>
public sealed class TriggerDocument
{
    public AmqpTriggerDocument? Amqp { get; set; }
}

public sealed class AmqpTriggerDocument
{
    public string? Name { get; set; }
    public string? Url { get; set; }
    public string? Queue { get; set; }
    public bool? Declare { get; set; }
    public int? Prefetch { get; set; }
}
